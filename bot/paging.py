"""Long replies: WeCom shows at most 2048 bytes, so the rest waits for 「更多」."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages import Incoming
from bot.text import WECOM_TEXT_LIMIT, command_line, paginate
from models import PendingPages

_FOOTER_BYTES = 80  # room for "（第 12/34 页，发送「更多」看下一页）"
_STALE_BYTES = 64  # room for "（23 小时前的回复，状态以当时为准）"
STALE_AFTER = timedelta(hours=1)  # states and ages in a page are those of when it was asked
_LABEL_CHARS = 20
KEPT_FOR = timedelta(hours=24)  # 「更多」 the next day still goes on; a week later it would surprise
_ASKED = re.compile(r"（续「(.*)」）\n")  # the label above a later page: what it goes on answering


def conversation(msg: Incoming) -> str:
    """Where 「更多」 goes on: the 1:1 chat, or that one group (a short hash of its id: the key is 8 characters)."""
    return f"g{hashlib.sha1(msg.chat_id.encode()).hexdigest()[:7]}" if msg.in_group else "single"


def first_page(session: Session, userid: str, text: str, now: datetime, msg: Incoming) -> str:
    """`text` if it fits; else its first page, the rest replacing any earlier pages of this conversation for
    「更多」, each saying which message it goes on answering: 更多 may come long after, when other replies came
    between."""
    if len(text.encode()) <= WECOM_TEXT_LIMIT:
        return text
    chat, asked = conversation(msg), command_line(msg.text)[0]
    label = f"（续「{asked[:_LABEL_CHARS]}{'…' if len(asked) > _LABEL_CHARS else ''}」）\n" if asked else ""
    pages = paginate(text, WECOM_TEXT_LIMIT - _FOOTER_BYTES - _STALE_BYTES - len(label.encode()))
    pending = session.get(PendingPages, (userid, chat))
    if pending is None:
        pending = PendingPages(userid=userid, chat=chat, pages=[], total=0, created_at=now)
        session.add(pending)
    pending.pages, pending.total, pending.created_at = [label + page for page in pages[1:]], len(pages), now
    return _with_footer(pages[0], 1, len(pages))


def next_page(session: Session, userid: str, now: datetime, chat: str = "single") -> str | None:
    """The next page of the member's last long reply, if it is not more than KEPT_FOR old."""
    pending = session.get(PendingPages, (userid, chat))
    if pending is None or not pending.pages:
        return None
    if now - pending.created_at > KEPT_FOR:
        session.delete(pending)
        return None
    page, rest = pending.pages[0], pending.pages[1:]
    if now - pending.created_at > STALE_AFTER:
        hours = int((now - pending.created_at) / timedelta(hours=1))
        page = f"（{hours} 小时前的回复，状态以当时为准）\n{page}"
    number = pending.total - len(rest)
    if rest:
        pending.pages = rest
    else:
        session.delete(pending)
    return _with_footer(page, number, pending.total)


def someone_elses(session: Session, userid: str, now: datetime, chat: str) -> tuple[str, str] | None:
    """In a group, the newest long reply another member has still to read on: (their userid, what they asked).
    Its footer told the whole group to send 「更多」, which goes on with the sender's own replies alone."""
    if chat == "single":
        return None
    found = session.scalars(select(PendingPages).where(
        PendingPages.chat == chat, PendingPages.userid != userid, PendingPages.created_at >= now - KEPT_FOR)
        .order_by(PendingPages.created_at.desc()).limit(1)).first()
    if found is None or not found.pages:
        return None
    asked = _ASKED.match(found.pages[0])
    return found.userid, asked.group(1) if asked else ""


def _with_footer(page: str, number: int, total: int) -> str:
    if number == total:
        return f"{page}\n（第 {number}/{total} 页，已全部显示）"
    return f"{page}\n（第 {number}/{total} 页，发送「更多」看下一页）"
