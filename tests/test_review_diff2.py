"""Review of the day's latest changes (diff2): hostile Word files, a late AI bot answer after a network blip."""

from __future__ import annotations

import io
import time
import zipfile

from bot.domain import photos

_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"


def _many_pictures(count: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        rels = "".join(f'<Relationship Id="r{n}" Target="media/image{n}.png" Type="x"/>' for n in range(count))
        archive.writestr("word/_rels/document.xml.rels", f'<Relationships xmlns="{_PR}">{rels}</Relationships>')
        blips = "".join(f'<a:blip r:embed="r{n}"/>' for n in range(count))
        archive.writestr("word/document.xml", f'<w:document xmlns:w="w" xmlns:a="a" xmlns:r="{_R}"><w:body>'
                                              f'<w:p><w:r><w:t>正文</w:t></w:r></w:p>{blips}</w:body></w:document>')
        for n in range(count):
            archive.writestr(f"word/media/image{n}.png", b"")
    return out.getvalue()


def test_a_word_file_with_many_pictures_is_read_in_linear_time() -> None:
    """A correspondent sends a .docx of 2 MB whose XML (well under the 5 MB allowed) places 20,000 tiny pictures;
    at 投递 (while the member waits for the reply, `photos.any_in`) and at every e-mail (`photos.of_draft`) the
    photos were put in article order by scanning lists for each element of document.xml: half a minute of CPU
    per look (4 minutes at the size allowed), the webhook's answer and the dispatcher stalled. Expected: linear,
    well under a second or two."""
    data = _many_pictures(20_000)
    started = time.monotonic()
    found = photos._pictures(data, read=False)
    assert len(found) == 20_000
    assert time.monotonic() - started < 5, "ordering the photos took quadratic time"
