"""An admin's year of meetings: one moved and the usual day set back, one cancelled, one on a holiday."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain import meetings
from bot.scheduler import Calendar
from models import JobRun
from tests.conftest import ChatDriver, FrozenClock
from tests.test_calendar import group_messages, only, runs

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cal(chat: ChatDriver, clock: FrozenClock) -> Calendar:
    return Calendar(chat.runtime.sessions, chat.runtime.settings, clock, worker="test")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def tick_at(cal: Calendar, clock: FrozenClock, *moments: tuple[int, ...]) -> None:
    for moment in moments:
        clock.current = local(*moment)
        cal.tick()


def test_restoring_the_usual_rule_after_a_meeting_moved_earlier_calls_no_second_meeting(
        chat: ChatDriver, cal: Calendar, clock: FrozenClock) -> None:
    """The admin moves May's meeting from Friday 29th to Thursday 28th (日程 设置 meeting day=last_thu: the group
    gets 例会变更), holds it, and that afternoon sets the usual rule back (day=last_fri) for the months ahead.
    What happens: the next morning the whole group gets 「宣传工作例会通知（今天）… 5月29日 15:00」 for a meeting
    nobody called, the calendar records a second May meeting at 15:00 (导出 总结 counts it), and the lead a
    correspondent sent after Thursday's meeting vanishes from June's notice and 「例会」 (only leads after the
    phantom 29th count). Expected: one meeting a month — no notice or "held" firing for the 29th, and the lead is
    still listed for June's meeting."""
    only(chat.runtime, "meeting", "meeting_notice", "meeting_day_notice")
    admin = chat.as_member("admin")
    tick_at(cal, clock, (2026, 5, 26, 9, 0))  # the three-day notice for Friday 29th
    clock.current = local(2026, 5, 26, 11, 0)
    assert "例会变更" in admin.says("日程 设置 meeting day=last_thu")
    tick_at(cal, clock, (2026, 5, 27, 9, 0), (2026, 5, 28, 8, 30), (2026, 5, 28, 15, 0))  # held on Thursday
    clock.current = local(2026, 5, 28, 16, 0)
    assert "已记录线索" in chat.as_member("zhangsan").says("线索 坪石镇垦造水田项目下月验收")
    restored = admin.says("日程 设置 meeting day=last_fri")  # back to the usual rule for June on
    assert "已修改" in restored and "下次 06-26 15:00" in restored
    assert "本月例会已于5月28日举行（每月一次），按新规则的5月29日不再举行，也不发例会通知。" in restored
    tick_at(cal, clock, (2026, 5, 29, 8, 30), (2026, 5, 29, 9, 0), (2026, 5, 29, 15, 0))
    phantom = [m.dedupe_key for m in group_messages(chat.runtime) if m.dedupe_key.startswith("meeting:2026-05-29:0")]
    assert phantom == [], "the group was called to a meeting on 5月29日 that had already been held on the 28th"
    assert ("meeting", "2026-05-29T15:00:00", "skipped") in runs(chat.runtime)
    clock.current = local(2026, 6, 22, 10, 0)
    assert "坪石镇垦造水田项目下月验收" in chat.as_member("lisi").says("例会")


def test_a_meeting_that_fell_on_a_holiday_is_not_counted_as_held_and_keeps_its_leads(
        chat: ChatDriver, cal: Calendar, clock: FrozenClock) -> None:
    """September 2026's last Friday is 中秋节. The bot tells the admins, not the group, and asks them to fix
    another day (「请另定时间后在群里通知」). A correspondent sent a lead on 9-10 for that meeting.
    What happens: at 15:00 on the holiday the calendar still marks the meeting as held, so the lead disappears
    from 「例会」 and from October's notice, which reads 「9月25日例会以来」 about a meeting nobody attended.
    Expected: a meeting on a day off that the group was never called to is not 'held'; its leads stay listed
    until a meeting takes place."""
    only(chat.runtime, "meeting", "meeting_notice", "meeting_day_notice")
    assert "已登记" in chat.as_member("admin").says("日程 放假 9月25日至27日 中秋节")
    clock.current = local(2026, 9, 10, 10, 0)
    assert "已记录线索" in chat.as_member("zhangsan").says("线索 坪石镇垦造水田项目下月验收")
    tick_at(cal, clock, (2026, 9, 22, 9, 0), (2026, 9, 25, 8, 30), (2026, 9, 25, 15, 0), (2026, 10, 27, 9, 0))
    assert ("meeting", "2026-09-25T15:00:00", "skipped") in runs(chat.runtime)
    [october] = [m.payload["markdown"]["content"] for m in group_messages(chat.runtime)
                 if m.dedupe_key.startswith("meeting:2026-10-30:")]
    assert "坪石镇垦造水田项目下月验收" in october
    assert "9月25日例会以来" not in october


def test_cancelling_a_meeting_tells_the_admin_it_stops_every_later_meeting_and_how_to_resume(
        chat: ChatDriver, cal: Calendar, clock: FrozenClock) -> None:
    """June's meeting was announced; the admin calls it off with 「日程 停用 例会」 (the only way to cancel one).
    What happens: the reply is 「日程 meeting 已停用。已通知的例会取消，已在工作群发出。」 — nothing says that July's
    and every later meeting (and their notices) are now stopped too, nor how to bring them back; July passes with
    no notice and nobody is told. Now the reply says later meetings stop too, and when to send 「日程 启用 例会」 to
    call off this one only."""
    only(chat.runtime, "meeting", "meeting_notice", "meeting_day_notice")
    tick_at(cal, clock, (2026, 6, 23, 9, 0))
    clock.current = local(2026, 6, 24, 10, 0)
    reply = chat.as_member("admin").says("日程 停用 例会")
    assert "例会取消" in group_messages(chat.runtime)[-1].payload["markdown"]["content"]
    tick_at(cal, clock, (2026, 7, 28, 9, 0), (2026, 7, 31, 8, 30))
    assert ("下月起的例会和例会通知也会一并停止。如只取消这一次，请在6月26日 15:00以后发送「日程 启用 例会」，"
            "下月例会照常。") in reply, reply


def test_a_month_counts_one_meeting_held_and_none_on_a_day_off(chat: ChatDriver, clock: FrozenClock) -> None:
    """What the calendar recorded before these fixes (a second May firing, one on 中秋节 run as any other) and a
    firing the bot was down for (the meeting took place all the same): 导出 总结 and the leads go by the meetings
    held, one a month at most."""
    assert "已登记" in chat.as_member("admin").says("日程 放假 9月25日至27日 中秋节")
    with chat.runtime.sessions.begin() as session:
        for period, outcome in (("2026-05-28T15:00:00", "done"), ("2026-05-29T15:00:00", "done"),
                                ("2026-08-28T15:00:00", "skipped"), ("2026-09-25T15:00:00", "done")):
            session.add(JobRun(schedule_id="meeting", period=period, claimed_by="test", claimed_at=clock(),
                               outcome=outcome))
    with chat.runtime.sessions.begin() as session:
        assert meetings.meetings_held(session, date(2026, 1, 1), date(2027, 1, 1)) == 2
        assert meetings.last_meeting(session, SHANGHAI) == datetime(2026, 8, 28, 15, 0, tzinfo=SHANGHAI)
        assert meetings.last_meeting(session, SHANGHAI, before=datetime(2026, 8, 1, tzinfo=SHANGHAI)) == datetime(
            2026, 5, 28, 15, 0, tzinfo=SHANGHAI)
