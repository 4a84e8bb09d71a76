"""Time edges (the office's zone, Asia/Shanghai; the database in UTC), found by a review of the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.scheduler import Calendar
from models import OutboxMessage
from tests.conftest import ChatDriver, FrozenClock
from tests.test_calendar import only

SHANGHAI = ZoneInfo("Asia/Shanghai")


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def test_a_reminder_sent_minutes_past_the_deadline_does_not_say_the_wait_equals_the_limit(
        chat: ChatDriver, clock: FrozenClock) -> None:
    """An editor sends a draft for approval on Monday at 09:10; the approvers' 24 hours end on Tuesday at 09:10, and
    催办 goes out at 09:30. It said 「已等待 24 小时（时限 24 小时）」 — the wait equal to the limit, rounded down
    (24.3 h; 24.5 h too, rounded to even), as if the draft were not late at all. It should say how long it waited
    past the whole hours: 24 小时 20 分钟."""
    clock.current = beijing(2026, 5, 11, 9, 10)
    only(chat.runtime, "overdue_reminders")
    reply = chat.as_member("zhangsan").says("投稿 周一的稿\n正文正文")
    editor = "lisi" if "编辑：李四" in reply else "zhaoliu"
    chat.as_member(editor).says("送审 #1")
    clock.current = beijing(2026, 5, 12, 9, 30)
    Calendar(chat.runtime.sessions, chat.runtime.settings, clock, worker="test").tick()
    with chat.runtime.sessions.begin() as session:
        texts = [m.payload["text"]["content"] for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like("remind:%")))]
    assert texts and all("已等待 24 小时 20 分钟（时限 24 小时）" in text for text in texts), texts
