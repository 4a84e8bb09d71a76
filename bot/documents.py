"""The text of a file sent as a draft: a .docx's paragraphs (tables, text boxes and tracked insertions included)
or a .txt in the encodings offices save; a file that is not what its name says, or would unpack too large, is
refused with what to do instead."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from docx import Document

from bot.text import article, xml_safe

DOCX = ".docx"
TXT = ".txt"
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
# Every XML part is parsed into a tree of about 100 bytes an element: 40 MB of <w:b/> would take a gigabyte. A
# real article's parts are a few hundred KB together (a long report with tables, a few MB).
MAX_XML_BYTES = 5 * 1024 * 1024
_GENERIC = frozenset({"application/octet-stream", "binary/octet-stream"})
_CONTENT_TYPES = {
    DOCX: _GENERIC | {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"},
    TXT: _GENERIC | {"text/plain"},
}


class FileRefused(Exception):
    """The file can't become a draft; the message tells the member why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def extract_text(filename: str, data: bytes) -> str:
    """The text of a .docx (paragraphs) or .txt (UTF-8, UTF-16 or GB18030) file."""
    suffix = Path(filename).suffix.lower()
    if suffix == DOCX or (not suffix and data.startswith(b"PK\x03\x04")):
        text = _docx_text(data)
    elif suffix == TXT or (not suffix and b"\x00" not in data):  # a nameless file (AI bot): text if it decodes
        text = _decode(data)
    elif suffix in (".doc", ".wps"):
        raise FileRefused(f"「{filename}」是旧版 Word 格式，请另存为 .docx 后再发送。")
    else:
        raise FileRefused(f"「{filename or '文件'}」不是 .docx 或 .txt 文件。"
                          "请发送 Word（.docx）或纯文本（.txt）稿件。")
    text = article(xml_safe(text))
    if not text:
        raise FileRefused(f"文件{quoted(filename)}里没有文字。请检查文件后重新发送。")
    return text


def _docx_text(data: bytes) -> str:
    if not data.startswith(b"PK\x03\x04"):
        raise FileRefused("文件不是有效的 .docx（可能改过扩展名）。请用 Word 另存为 .docx 后再发送。")
    _check_unpacked_size(data)
    try:
        return "\n".join(_paragraphs(Document(io.BytesIO(data)).element.body))
    except Exception as exc:  # parsing only, nothing to retry: damaged data raises zlib.error, KeyError, …
        raise FileRefused("无法打开这个 .docx 文件，可能已损坏。请用 Word 另存后再发送。") from exc


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARAGRAPH, _RUN, _CONTROL = f"{_W}p", f"{_W}r", f"{_W}sdt"
_PLACEHOLDER = f"{_W}sdtPr/{_W}showingPlcHdr"  # a template's 「单击或点击此处输入文字」, not filled in
# What a run holds that is text, as Word shows it (a page break shows as nothing).
_RUN_TEXT = {f"{_W}t": None, f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n",
             f"{_W}noBreakHyphen": "-", f"{_W}softHyphen": ""}
# A text box's second copy (for old Word versions), and tracked deletions: not the article's text.
_NOT_TEXT = frozenset({"{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback", f"{_W}del",
                       f"{_W}moveFrom"})


def _paragraphs(body: Any) -> list[str]:
    """Every paragraph's text in document order: the body's, table cells', text boxes', content controls' and
    tracked insertions' (python-docx's `paragraphs` has only the body's own, so a table's text was lost).
    One walk down the tree, whatever its depth: a text box's paragraphs follow the one that holds it."""
    lines: list[list[str]] = []

    def walk(element: Any, line: list[str] | None) -> None:
        for child in element:
            if child.tag in _NOT_TEXT or (child.tag == _CONTROL and child.find(_PLACEHOLDER) is not None):
                continue
            if child.tag == _PARAGRAPH:
                own: list[str] = []
                lines.append(own)
                walk(child, own)
            elif element.tag == _RUN and child.tag in _RUN_TEXT:  # <w:tab> is also a tab stop, outside runs
                if line is not None:
                    line.append(_run_text(child))
            else:
                walk(child, line)

    walk(body, None)
    return ["".join(parts) for parts in lines]


def _run_text(element: Any) -> str:
    if element.tag == f"{_W}br" and element.get(f"{_W}type") in ("page", "column"):
        return ""
    return _RUN_TEXT[element.tag] or element.text or ""


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a zip bomb before python-docx unpacks it: a real article's XML is a few hundred KB."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        raise FileRefused("无法打开这个 .docx 文件，可能已损坏。请用 Word 另存后再发送。") from exc
    unpacked = sum(member.file_size for member in members)
    xml = sum(m.file_size for m in members if m.filename.lower().endswith((".xml", ".rels")))
    if unpacked > MAX_UNPACKED_BYTES or xml > MAX_XML_BYTES:
        raise FileRefused("这个 .docx 解压后过大，超出稿件的正常大小。请只保留正文另存后再发送。")


def _decode(data: bytes) -> str:
    """UTF-8, UTF-16 (Notepad's "Unicode", with or without its byte-order mark) or GB18030 (Notepad's "ANSI")."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strictly(data, "utf-16")
    try:
        text = data.decode("utf-8-sig")
        if text.count("\x00") * 4 < len(text):  # a stray NUL goes with the other control characters
            return text
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:  # UTF-16 without its mark, which GB18030 would read as nonsense: the byte order that
        # reads as Chinese and ASCII (the other makes mostly other scripts of them), if one does.
        text = max((data.decode(order, "replace") for order in ("utf-16-le", "utf-16-be")), key=_written)
        if "\ufffd" in text or _written(text) * 10 < len(text) * 8:
            raise FileRefused(_UNKNOWN_ENCODING)
        return text
    return _strictly(data, "gb18030")


def _strictly(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileRefused(_UNKNOWN_ENCODING) from exc


_UNKNOWN_ENCODING = "无法识别这个 .txt 文件的编码。请另存为 UTF-8 编码后再发送。"


def _written(text: str) -> int:
    """How many characters are of what drafts are written in: ASCII, CJK ideographs, punctuation, full-width."""
    return sum(1 for c in text if c.isascii() or "\u4e00" <= c <= "\u9fff" or "\u2000" <= c <= "\u206f"
               or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef")


def check_content_type(filename: str, content_type: str) -> None:
    """What WeCom says the file is must fit its name (a renamed image is no article)."""
    suffix = Path(filename).suffix.lower()
    allowed = _CONTENT_TYPES.get(suffix)
    if allowed is not None and content_type and content_type not in allowed:
        raise FileRefused(f"「{filename}」实际不是 {suffix} 文件（企业微信报告的类型为 {content_type}）。"
                          "请检查后重新发送。")


def quoted(filename: str) -> str:
    return f"「{filename}」" if filename else ""
