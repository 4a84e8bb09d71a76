"""A draft's photos: the pictures inside the Word files it came from, which go to the outlets with it."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
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
    """(suffix, bytes) of the photos in a .docx, in the order they stand in the article (without `read`, empty
    bytes). The file passed the size checks of bot.file_drafts when it arrived, so its members are read whole."""
    if not data.startswith(b"PK\x03\x04"):
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [name for name in archive.namelist()
                     if name.startswith("word/media/") and PurePosixPath(name).suffix.lower() in SUBTYPES]
            names = _in_article_order(archive, names)
            return [(PurePosixPath(name).suffix.lower(), archive.read(name) if read else b"") for name in names]
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, zlib.error):
        return []  # damaged, encrypted or oddly compressed: the text still goes out


_RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_PAGE_FURNITURE = re.compile(r"word/_rels/(?:header|footer)\d*\.xml\.rels")


def _in_article_order(archive: zipfile.ZipFile, names: list[str]) -> list[str]:
    """The photos as they stand in the article (Word numbers image1, image2… by when each was inserted, so a photo
    put above another comes after it by name), then any the text does not place, by name (image2 before image10);
    a page header's or footer's picture (the letterhead's logo) is no photo of the article."""
    by_name = sorted(names, key=lambda name: [int(part) if part.isdigit() else part for part in _NUMBER.split(name)])
    try:
        photos = set(names)  # sets and a dict: a hostile file's tens of thousands of pictures, in linear time
        targets = {rid: target for rid, target in _targets(archive, "word/_rels/document.xml.rels").items()
                   if target in photos}
        placed: dict[str, None] = {}  # in the order first met
        for element in fromstring(archive.read("word/document.xml")).iter():
            for key in ("embed", "link", "id"):  # a:blip r:embed, v:imagedata r:id
                target = targets.get(element.get(f"{_RELATIONSHIPS}{key}", ""))
                if target is not None:
                    placed.setdefault(target)
        furniture = {target for rels in archive.namelist() if _PAGE_FURNITURE.fullmatch(rels)
                     for target in _targets(archive, rels).values()}
    except (KeyError, ParseError, DefusedXmlException):  # no document part, or one that can't be read: by name
        return by_name
    return [*placed, *(name for name in by_name if name not in placed and name not in furniture)]


def _targets(archive: zipfile.ZipFile, rels: str) -> dict[str, str]:
    """A part's relationships: id → the member it points to inside the package (external links left out)."""
    found = {}
    for relationship in fromstring(archive.read(rels)).iter(_PACKAGE_RELATIONSHIP):
        target = relationship.get("Target", "")
        if relationship.get("TargetMode") != "External" and target:
            found[relationship.get("Id", "")] = posixpath.normpath(
                target.lstrip("/") if target.startswith("/") else posixpath.join("word", target))
    return found
