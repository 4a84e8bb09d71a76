"""Drafts from files: a .docx or .txt sent to the bot becomes a draft, in the background.

The callback only queues a job (an outbox row on the `file` channel); the dispatcher downloads the
file, extracts the text, creates the draft and tells the member, never inside WeCom's 5 seconds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.config import Settings
from bot.documents import FileRefused, check_content_type, extract_text, quoted
from bot.domain import audit, drafts, members, photos
from bot.domain.errors import UserError
from bot.messages import Incoming
from bot.text import word_count
from bot.wecom.client import Media, WeComError
from bot.wecom.transports import wecom_policy
from models import AuditEvent, Draft, DraftFile, DraftState, Member, OutboxMessage, OutboxState

FILE_JOB = "file"
_EXPIRED_MEDIA = 40007
_TOO_LARGE = -2
_UNREADABLE = -3
FOLLOW_UP = timedelta(minutes=10)  # how soon after a file 「投稿 标题」 (with no text) titles its draft


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
    named = quoted(job.payload.get("filename", ""))
    waiting = session.execute(update(OutboxMessage).where(
        OutboxMessage.id == job.id, OutboxMessage.state == OutboxState.pending).values(payload=job.payload | {
            "title": title}))
    if waiting.rowcount == 1:  # type: ignore[attr-defined]
        return f"文件{named}正在读取，稿件将以《{title}》为标题，创建后告诉您。"
    session.refresh(job)
    if job.state == OutboxState.sending:
        return f"文件{named}正在读取，请在收到创建结果后再发送「投稿 {title}」。"
    found = session.execute(select(Draft, DraftFile.filename).join(DraftFile, DraftFile.draft_id == Draft.id)
                            .where(DraftFile.source_key == job.payload["source_key"])).first()
    # Only a title the bot gave it (the file's name, or the text's first line), not one the author gave since.
    # Nor a draft the file was only attached to (typed first: its first line was never taken as the title).
    if found is None or session.scalar(select(AuditEvent.id).where(
            AuditEvent.draft_id == found[0].id, AuditEvent.action.in_(("retitle", "file.attach"))).limit(1)):
        return None
    draft, before = found[0], found[0].title
    if draft.current_version != 1 or not drafts.compare_and_set(session, draft, (DraftState.editing,),
                                                                 title=title, updated_at=now):
        return (f"稿件 {draft.number}《{before}》当前{DraftState(draft.state).label}，编辑已在处理，不再改标题。"
                "需要改标题请联系编辑。")
    first = drafts.version(session, draft, 1)
    if not _named_by(found[1]) and before != _UNTITLED and not first.text.startswith(before):
        # The first line it was given as its title is the article's again (a byline, perhaps): nothing is lost.
        first.text = f"{before}\n{first.text}"
        first.hash = drafts.content_hash(first.text)
    audit.record(session, now, member.userid, "retitle", draft_id=draft.id, comment=f"{before} → {title}")
    if draft.editor is not None and draft.editor_id != member.id:
        outbox.notify(session, [draft.editor.userid], f"作者把稿件 {draft.number} 的标题改为《{title}》。",
                      f"draft:{draft.id}:retitled", now)
    return (f"已将稿件 {draft.number} 的标题改为《{title}》（原为《{before}》）。"
            f"如需提交新稿件，请在同一条消息里写「投稿 标题」，换行再写正文。")


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
        title, text = (job["title"], text) if job.get("title") else _title(filename, text)
        try:
            with self._sessions.begin() as session:
                author = members.get(session, userid, lock=True)  # as the author's 投稿 in chat: one at a time
                if author is None or not author.active:
                    raise UserError("您的账号已停用或不在成员名单中，文件没有成为稿件。如有疑问请联系管理员。")
                earlier = drafts.same_article_within_the_hour(session, author, drafts.check_title(title), text, now)
                if earlier is not None and not photos.has_files(session, earlier.id):  # the Word file with the
                    # photos, after the text was typed: it is #N's (a file again is a repeat, refused below)
                    self._attach(session, earlier, userid, job, filename, media, now)
                    return
                draft = drafts.submit(session, author, title, text, now).draft
                session.add(self._keep(draft.id, source_key, filename, media, now))
                editor = f"，编辑：{draft.editor.name}" if draft.editor else "，暂无可分配的编辑，已通知管理员"
                origin = ("标题取自您的「投稿」" if job.get("title") else "标题取自文件名" if filename
                          else "标题取自正文第一行")
                outbox.reply(session, userid, job["reply"],
                             f"已根据文件{quoted(filename)}创建稿件 {draft.number}《{title}》，"
                             f"{word_count(text)} 字{editor}。{origin}；发送「稿件 {draft.number}」查看。",
                             f"file:{source_key}:done", now)
        except UserError as error:
            self._tell(userid, f"文件{quoted(filename)}未能投稿：{error.message}", job, "refused")

    def _attach(self, session: Session, draft: Draft, userid: str, job: dict[str, Any], filename: str, media: Media,
                now: datetime) -> None:
        """The file kept with the draft it repeats (its photos go to the outlets with it); its text is the editor's
        to compare, as the draft's stays as it was."""
        source_key = job["source_key"]
        session.add(self._keep(draft.id, source_key, filename, media, now))
        audit.record(session, now, userid, "file.attach", draft_id=draft.id, comment=filename[:200])
        if draft.editor is not None:
            outbox.notify(session, [draft.editor.userid],
                          f"作者 {draft.author.name} 给稿件 {draft.number}《{draft.title}》补发了文件"
                          f"{quoted(filename)}，已附在稿件上（文件里的照片随稿件投递）。"
                          "文件里的文字没有替换稿件正文；作者如在文件里改过内容，"
                          f"请与作者核对后「修改 {draft.number}」。",
                          f"file:{source_key}:attached", now)
        outbox.reply(session, userid, job["reply"],
                     f"文件{quoted(filename)}与您刚投的稿件 {draft.number}《{draft.title}》是同一篇，已附在这篇稿件上，"
                     f"没有另建新稿；文件里的照片会随稿件投递。正文以稿件 {draft.number} 为准，文件里的文字如有改动，"
                     f"请告诉{drafts.editor_named(draft)}。", f"file:{source_key}:done", now)

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


# The names Word, WPS and Windows give a file nobody named: no title (「新建 Microsoft Word 文档 (2)」, 「文档1」).
_DEFAULT_NAME = re.compile(r"(?:新建\s*(?:Microsoft\s*Word|DOCX|WPS)?\s*(?:文档|文字文稿|文本文档)|文档|文字文稿|Doc"
                           r"|Document|未命名\S*|无标题\S*|Untitled\S*)(?:\s*-\s*副本)*[\s\d()（）_-]*", re.IGNORECASE)


_UNTITLED = "文件投稿"


def _named_by(filename: str) -> bool:
    """Whether the file's name is a title: not one Word or WPS gives a new file."""
    stem = Path(filename).stem.strip()
    return bool(stem) and not _DEFAULT_NAME.fullmatch(stem)


def _title(filename: str, text: str) -> tuple[str, str]:
    """The title and the article: the file name without its extension; for a nameless file (or one named as Word
    names a new one), a short first line of the text. A first line taken or repeated as the title is no longer
    part of the article."""
    first, _, rest = text.strip().partition("\n")
    first = first.strip()
    if _named_by(filename):  # its first line is the same title, as news drafts are written: once is enough
        title = Path(filename).stem.strip()[: drafts.TITLE_MAX_CHARS]
        return title, rest if first.strip("《》") == title and rest.strip() else text
    if 0 < len(first) <= drafts.TITLE_LIKE_CHARS and "。" not in first:  # not the article's first sentence
        return first, rest if rest.strip() else text
    return _UNTITLED, text
