"""A draft's photos: the pictures inside the Word files it came from, which go to the outlets with it."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import DraftFile

# Photos only: Word also keeps drawings (.emf, .wmf) in word/media, which no newsroom can use.
SUBTYPES = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".gif": "gif", ".bmp": "bmp", ".tif": "tiff",
            ".tiff": "tiff", ".webp": "webp"}
_NUMBER = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Photo:
    name: str  # 图1.jpg, in the order of the Word file
    subtype: str  # image/<subtype>
    data: bytes


def of_draft(session: Session, draft_id: int) -> list[Photo]:
    """The photos of every Word file the draft came from, in order; a file that can't be read has none."""
    found = [picture for original in _originals(session, draft_id) for picture in _pictures(_content(original))]
    return [Photo(f"图{n}{suffix}", SUBTYPES[suffix], data) for n, (suffix, data) in enumerate(found, 1)]


def any_in(session: Session, draft_id: int) -> bool:
    """Whether the draft has photos, from the files' directories alone (投递 asks it while the member waits)."""
    return any(_pictures(_content(original), read=False) for original in _originals(session, draft_id))


def has_files(session: Session, draft_id: int) -> bool:
    """Whether the draft keeps a file of its own already (a second would give the outlets its photos twice)."""
    return session.scalar(select(DraftFile.id).where(DraftFile.draft_id == draft_id).limit(1)) is not None


def _originals(session: Session, draft_id: int) -> list[DraftFile]:
    return list(session.scalars(select(DraftFile).where(DraftFile.draft_id == draft_id).order_by(DraftFile.id)))


def _content(original: DraftFile) -> bytes:
    if original.data is not None:
        return original.data
    if not original.path:
        return b""
    try:
        with open(original.path, "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def _pictures(data: bytes, read: bool = True) -> list[tuple[str, bytes]]:
    """(suffix, bytes) of the photos in a .docx, image1 before image2 before image10 (without `read`, empty
    bytes). The file passed the size checks of bot.file_drafts when it arrived, so its members are read whole."""
    if not data.startswith(b"PK\x03\x04"):
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [name for name in archive.namelist()
                     if name.startswith("word/media/") and PurePosixPath(name).suffix.lower() in SUBTYPES]
            names.sort(key=lambda name: [int(part) if part.isdigit() else part for part in _NUMBER.split(name)])
            return [(PurePosixPath(name).suffix.lower(), archive.read(name) if read else b"") for name in names]
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, zlib.error):
        return []  # damaged, encrypted or oddly compressed: the text still goes out
