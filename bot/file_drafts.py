"""Drafts from files: a .docx or .txt sent to the bot becomes a draft, in the background.

The callback only queues a job (an outbox row on the `file` channel); the dispatcher downloads the
file, extracts the text, creates the draft and tells the member, never inside WeCom's 5 seconds.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from docx import Document
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.config import Settings
from bot.domain import audit, drafts, members
from bot.domain.errors import UserError
from bot.messages import Incoming
from bot.text import article, word_count, xml_safe
from bot.wecom.client import Media, WeComError
from bot.wecom.transports import wecom_policy
from models import Draft, DraftFile, DraftState, DraftVersion, Member, OutboxMessage, OutboxState, Role

FILE_JOB = "file"
DOCX = ".docx"
TXT = ".txt"
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_DOCUMENT_XML_BYTES = 10 * 1024 * 1024
_GENERIC = frozenset({"application/octet-stream", "binary/octet-stream"})
_CONTENT_TYPES = {
    DOCX: _GENERIC | {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"},
    TXT: _GENERIC | {"text/plain"},
}
_EXPIRED_MEDIA = 40007
_TOO_LARGE = -2
_UNREADABLE = -3
FOLLOW_UP = timedelta(minutes=10)  # how soon after a file 「投稿 标题」 (with no text) titles its draft


class FileRefused(Exception):
    """The file can't become a draft; the message tells the member why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def queue(session: Session, msg: Incoming, now: datetime) -> None:
    """Queue the download of a file message (idempotent per message)."""
    outbox.enqueue(session, channel=FILE_JOB, recipient=msg.userid,
                   payload={"media_id": msg.media_id, "url": msg.file_url, "filename": msg.filename,
                            "source_key": msg.key, "reply": outbox.reply_route(msg, now)},
                   dedupe_key=f"file:{msg.key}", now=now)


def title_recent_file(session: Session, member: Member, title: str, now: datetime) -> str | None:
    """「投稿 标题」 without text, soon after a file: the file's draft takes that title (product: a file followed
    by 投稿 标题). Returns the reply, or None when it does not apply: no file lately, the file made no draft,
    or its draft has a title of its own already (then 投稿 needs its text, as always)."""
    job = session.scalars(select(OutboxMessage).where(
        OutboxMessage.channel == FILE_JOB, OutboxMessage.recipient == member.userid,
        OutboxMessage.created_at >= now - FOLLOW_UP).order_by(OutboxMessage.id.desc())).first()
    if job is None or job.payload.get("title"):
        return None
    title = drafts.check_title(title)
    named = _quoted(job.payload.get("filename", ""))
    waiting = session.execute(update(OutboxMessage).where(
        OutboxMessage.id == job.id, OutboxMessage.state == OutboxState.pending).values(payload=job.payload | {
            "title": title}))
    if waiting.rowcount == 1:  # type: ignore[attr-defined]
        return f"文件{named}正在读取，稿件将以《{title}》为标题，创建后告诉您。"
    session.refresh(job)
    if job.state == OutboxState.sending:
        return f"文件{named}正在读取，请在收到创建结果后再发送「投稿 {title}」。"
    found = session.execute(
        select(Draft, DraftFile.filename, DraftVersion.text).join(DraftFile, DraftFile.draft_id == Draft.id)
        .join(DraftVersion, (DraftVersion.draft_id == Draft.id) & (DraftVersion.number == 1))
        .where(DraftFile.source_key == job.payload["source_key"])).first()
    # Only a title the bot gave it: the file's name, or for a nameless file (AI bot) the text's first line.
    if found is None or found[0].title not in (_title(found[1], ""), _title("", found[2])):
        return None
    draft, before = found[0], found[0].title
    if draft.current_version != 1 or not drafts.compare_and_set(session, draft, (DraftState.editing,),
                                                                 title=title, updated_at=now):
        return (f"稿件 {draft.number}《{before}》当前{DraftState(draft.state).label}，编辑已在处理，不再改标题。"
                "需要改标题请联系编辑。")
    audit.record(session, now, member.userid, "retitle", draft_id=draft.id, comment=f"{before} → {title}")
    if draft.editor is not None and draft.editor_id != member.id:
        outbox.notify(session, [draft.editor.userid], f"作者把稿件 {draft.number} 的标题改为《{title}》。",
                      f"draft:{draft.id}:retitled", now)
    return (f"已将稿件 {draft.number} 的标题改为《{title}》（原为《{before}》）。"
            f"如需提交新稿件，请在同一条消息里写「投稿 标题」，换行再写正文。")


def extract_text(filename: str, data: bytes) -> str:
    """The text of a .docx (paragraphs) or .txt (UTF-8 or GB18030) file."""
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
        raise FileRefused(f"文件{_quoted(filename)}里没有文字。请检查文件后重新发送。")
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
    body = next((m.file_size for m in members if m.filename == "word/document.xml"), 0)
    if unpacked > MAX_UNPACKED_BYTES or body > MAX_DOCUMENT_XML_BYTES:
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


class FileDraftJob:
    """The outbox transport of the `file` channel: download, extract, create the draft, tell the member."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, clock: Callable[[], datetime],
                 download: Callable[[str, int], Media] | None,
                 download_url: Callable[[str, int], Media] | None = None) -> None:
        self._sessions, self._settings, self._clock = sessions, settings, clock
        self._download, self._download_url = download, download_url

    def send(self, message: OutboxMessage) -> None:
        job: dict[str, Any] = message.payload
        with self._sessions.begin() as session:
            if session.scalar(select(DraftFile.id).where(DraftFile.source_key == job["source_key"])):
                return  # done before a crash: the draft exists, so does its notice
        try:
            media = self._fetch(job)
            filename = job.get("filename") or media.filename
            check_content_type(filename, media.content_type)
            text = extract_text(filename, media.data)
        except FileRefused as refusal:
            self._tell(message.recipient, refusal.message, job, "refused")
            return
        self._create(message.recipient, job, filename, media, text)

    def _fetch(self, job: dict[str, Any]) -> Media:
        url, media_id = job.get("url") or "", job.get("media_id") or ""
        download = self._download_url if url else self._download
        if download is None:
            raise FileRefused("本地模式下无法从企业微信下载文件。请把正文复制出来，用「投稿 标题」换行发送。")
        if not (url or media_id):
            raise FileRefused("没有收到文件内容。请重新发送文件。")
        limit = self._settings.file_max_bytes
        with wecom_policy():  # network trouble and busy WeCom: the job is retried later
            try:
                return download(url or media_id, limit)
            except WeComError as error:
                if error.errcode == _UNREADABLE:
                    raise FileRefused("无法解密这个文件，请重新发送。") from error
                if error.errcode == _TOO_LARGE:
                    raise FileRefused(f"文件超过 {limit // (1024 * 1024)} MB，请压缩图片或只发送文字稿。") from error
                if error.errcode == _EXPIRED_MEDIA:
                    raise FileRefused("文件已过期（企业微信只保留 3 天），请重新发送。") from error
                raise

    def _create(self, userid: str, job: dict[str, Any], filename: str, media: Media, text: str) -> None:
        now, source_key = self._clock(), job["source_key"]
        title = job.get("title") or _title(filename, text)
        try:
            with self._sessions.begin() as session:
                author = members.get(session, userid)
                if author is None or not author.active:
                    raise UserError("您的账号已停用或不在成员名单中，文件没有成为稿件。如有疑问请联系管理员。")
                if not author.may(Role.correspondent):  # the role was taken away while the file was read
                    raise UserError(members.role_refusal(author, {Role.correspondent}, "投稿"))
                draft = drafts.submit(session, author, title, text, now).draft
                session.add(self._keep(draft.id, source_key, filename, media, now))
                editor = f"，编辑：{draft.editor.name}" if draft.editor else "，暂无可分配的编辑，已通知管理员"
                origin = ("标题取自您的「投稿」" if job.get("title") else "标题取自文件名" if filename
                          else "标题取自正文第一行")
                outbox.reply(session, userid, job["reply"],
                             f"已根据文件{_quoted(filename)}创建稿件 {draft.number}《{title}》，"
                             f"{word_count(text)} 字{editor}。{origin}；发送「稿件 {draft.number}」查看。",
                             f"file:{source_key}:done", now)
        except UserError as error:
            self._tell(userid, f"文件{_quoted(filename)}未能投稿：{error.message}", job, "refused")

    def _keep(self, draft_id: int, source_key: str, filename: str, media: Media, now: datetime) -> DraftFile:
        filename = filename or ("稿件.docx" if media.data.startswith(b"PK\x03\x04") else "稿件.txt")
        digest = hashlib.sha256(media.data).hexdigest()
        record = DraftFile(draft_id=draft_id, source_key=source_key, filename=filename[:255],
                           content_type=media.content_type[:100], size=len(media.data), sha256=digest,
                           created_at=now)
        if self._settings.files_dir:
            folder = Path(self._settings.files_dir)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{digest}{Path(filename).suffix.lower()}"
            path.write_bytes(media.data)
            record.path = str(path)
        else:
            record.data = media.data
        return record

    def _tell(self, userid: str, text: str, job: dict[str, Any], outcome: str) -> None:
        with self._sessions.begin() as session:
            outbox.reply(session, userid, job.get("reply"), text, f"file:{job['source_key']}:{outcome}", self._clock())


def _title(filename: str, text: str) -> str:
    """The file name without its extension; for a nameless file, a short first line of the text."""
    stem = Path(filename).stem.strip()
    if stem:
        return stem[: drafts.TITLE_MAX_CHARS]
    first = text.strip().split("\n", 1)[0].strip()
    return first if 0 < len(first) <= 30 else "文件投稿"


def _quoted(filename: str) -> str:
    return f"「{filename}」" if filename else ""
