"""节假日与调休: the editor's clock and 催办 go by the office's working days, which the admins enter."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from bot.domain import sla, workdays
from bot.domain.errors import UsageError
from bot.scheduler import Calendar
from models import AuditEvent, OutboxMessage, Schedule
from tests.conftest import ChatDriver, FrozenClock
from tests.test_calendar import only

SHANGHAI = ZoneInfo("Asia/Shanghai")


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def cal(chat: ChatDriver, clock: FrozenClock) -> Calendar:
    return Calendar(chat.runtime.sessions, chat.runtime.settings, clock, worker="test")


def reminders(chat: ChatDriver) -> list[str]:
    with chat.runtime.sessions.begin() as session:
        return list(session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("remind:%"))
                                    .order_by(OutboxMessage.id)))


def test_the_national_day_holiday_stops_the_editors_clock_and_its_reminders(chat: ChatDriver, cal: Calendar,
                                                                           clock: FrozenClock) -> None:
    """2026: 10月1日至7日 off, Saturday 10月10日 worked. A draft reaches its editor on Wednesday 9月30日 10:00."""
    admin = chat.as_member("admin")
    clock.current = beijing(2026, 9, 20, 12)
    assert "已登记 2026年10月1日至10月7日（7 天）放假" in admin.says("日程 放假 10-1至10-7 国庆节")
    assert "已登记 2026年10月10日（1 天）调休上班" in admin.says("日程 上班 10月10日 国庆调休")
    listed = admin.says("日程 假日")
    assert "2026年10月1日（周四）至10月7日（周三） 放假（国庆节），共 7 天" in listed
    assert "2026年10月10日（周六） 调休上班（国庆调休），共 1 天" in listed
    only(chat.runtime, "overdue_reminders")
    clock.current = beijing(2026, 9, 30, 10)
    editor = "lisi" if "编辑：李四" in chat.as_member("zhangsan").says("投稿 国庆前的稿\n正文") else "zhaoliu"
    for day in range(1, 13):  # every morning of the holiday and after
        clock.current = beijing(2026, 10, day, 9, 30)
        cal.tick()
        if day == 9:  # Monday to Friday alone would make it overdue on 10月2日
            assert "已超时" not in chat.as_member(editor).says("稿件 #1")
    assert "已超时" in chat.as_member(editor).says("稿件 #1")
    # 14 working hours on 9/30, then 10/8, 10/9, 10/10 (worked) and 10/12: past 48 h on 10/10, not before.
    assert list(dict.fromkeys(key.split(":")[4] for key in reminders(chat))) == ["2026-10-10", "2026-10-12"]
    with chat.runtime.sessions.begin() as session:
        days = workdays.between(session, date(2026, 9, 30), date(2026, 10, 12))
    assert sla.working_hours(beijing(2026, 9, 30, 10), beijing(2026, 10, 9, 10), SHANGHAI, days) == 14 + 24 + 10


def test_the_seeded_reminder_rule_runs_every_day_and_the_job_picks_the_working_ones(chat: ChatDriver) -> None:
    with chat.runtime.sessions.begin() as session:
        assert session.get(Schedule, "overdue_reminders").rule == {"hour": "9", "minute": "30"}


@pytest.mark.parametrize(("command", "expected"), [
    ("日程 放假 10-1..10-7", "请写上名称"),
    ("日程 放假 国庆节", "请先写日期或日期范围，再写名称"),
    ("日程 放假 2026-10-8..2026-10-1 国庆节", "早于开始日"),
    ("日程 放假 10月8日至10月1日 国庆节", "结束日期10月1日早于开始日期10月8日"),
    ("日程 放假 10月1日至 国庆节", "「10月1日至」后面缺少结束日期"),
    ("日程 上班 10月10日（周五） 国庆调休", "2026年10月10日（星期六）与所注的「周五」不符"),
    ("日程 放假 2026-10-1..2027-10-7 国庆节", "每次最多登记 31 天，所写的2026年10月1日至2027年10月7日共 372 天"),
    ("日程 放假 2-30 国庆节", "不是有效的日期"),
    ("日程 上班 10-9 调休", "2026年10月9日（星期五）本身为工作日，无需登记。「上班」仅用于调休上班的星期六、星期日"),
])
def test_bad_holiday_entries_say_what_to_type(command: str, expected: str, chat: ChatDriver,
                                             clock: FrozenClock) -> None:
    clock.current = beijing(2026, 9, 20, 12)
    assert expected in chat.as_member("admin").says(command)
    assert "尚未登记今后的节假日和调休" in chat.as_member("admin").says("日程 假日")


@pytest.mark.parametrize("today", [date(2026, 9, 20), date(2026, 11, 27), date(2027, 3, 6), date(2028, 6, 4)])
def test_the_examples_a_refusal_gives_work_as_typed(today: date, chat: ChatDriver, clock: FrozenClock) -> None:
    """A fixed 「9月28日、10月11日」 is a weekend one year and workdays the next, refused as typed."""
    clock.current = beijing(today.year, today.month, today.day, 12)
    admin = chat.as_member("admin")
    refusal = admin.says("日程 放假 国庆节")
    examples = refusal.split("例如：")[1].split("｜")
    assert [e.split()[:2] for e in examples] == [["日程", "放假"], ["日程", "上班"], ["日程", "清除"]]
    for example in examples:
        reply = admin.says(example)
        assert reply.startswith("已") or "无需清除" in reply, (example, reply)
    assert "请写要清除的日期，例如：日程 清除 10-10" in admin.says("日程 清除")


def test_clearing_puts_days_back_and_only_admins_enter_them(chat: ChatDriver, clock: FrozenClock) -> None:
    clock.current = beijing(2026, 12, 20, 12)
    admin = chat.as_member("admin")
    assert "2027年1月1日" in admin.says("日程 放假 1-1 元旦")  # in December: the coming one
    assert "2027年2月1日至2月3日（3 天）" in admin.says("日程 放假 2月1日。。2月3日 测试")  # .. typed in Chinese
    assert "2027年2月4日至2月5日（2 天）" in admin.says("日程 放假 2-4～2-5 测试")
    assert "已清除2027年1月1日的登记（1 天）" in admin.says("日程 清除 2027-01-01")
    cleared = admin.says("日程 清除 1月1日 元旦")  # the 放假 line with 清除 in front
    assert "2027年1月1日未登记节假日或调休，无需清除" in cleared
    with chat.runtime.sessions.begin() as session:  # what changed is audited; a clear of nothing is not
        assert session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("workdays.%"))
                               .order_by(AuditEvent.id)).all() == ["workdays.off", "workdays.off", "workdays.off",
                                                                   "workdays.clear"]
    assert "管理员" in chat.as_member("zhangsan").says("日程 放假 1-1 元旦")


def test_a_listing_reads_the_office_days_once_however_many_drafts_are_late(chat: ChatDriver,
                                                                           clock: FrozenClock) -> None:
    clock.current = beijing(2026, 9, 28, 10)
    for n in range(5):
        chat.as_member("zhangsan").says(f"投稿 第{n}篇\n正文")
    clock.current = beijing(2026, 10, 9, 10)
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(chat.runtime.db, "before_cursor_execute", record)
    listing = chat.as_member("zhangsan").says("稿件")
    event.remove(chat.runtime.db, "before_cursor_execute", record)
    assert listing.count("已超时") == 5
    assert len([s for s in statements if "special_day" in s]) == 1


def test_the_notice_is_entered_as_it_is_written(chat: ChatDriver, clock: FrozenClock) -> None:
    """The State Council's notice for 2025, entered on 2024-11-12, the day it came out, line by line."""
    clock.current = beijing(2024, 11, 12, 15)
    admin = chat.as_member("admin")
    for line, expected in [
        ("日程 放假 1月1日（周三） 元旦", "已登记 2025年1月1日（1 天）放假"),
        ("日程 放假 1月28日（农历除夕、周二）至2月4日（农历正月初七、周二） 春节", "2025年1月28日至2月4日（8 天）"),
        ("日程 调休 1月26日（周日）、2月8日（周六） 春节调休", "已登记 2025年1月26日、2025年2月8日（2 天）调休上班"),
        ("日程 放假 4月4日至6日 清明节", "2025年4月4日至4月6日（3 天）"),
        ("日程 放假 5月1日至5日劳动节", "2025年5月1日至5月5日（5 天）"),
        ("日程 补班 4月27日 劳动节调休", "2025年4月27日（1 天）调休上班"),
        ("日程 放假 10月1日至8日 国庆节、中秋节", "2025年10月1日至10月8日（8 天）"),  # next year's: this one is past
        ("日程 上班 9月28日、10月11日 国庆调休", "2025年9月28日、2025年10月11日（2 天）"),
    ]:
        assert expected in admin.says(line), line
    fixed = admin.says("日程 放假 10月1日至8日 国庆节")  # one name for the whole holiday
    assert "其中 8 天原有不同登记（如2025年10月1日：放假（国庆节、中秋节）），已改为本次登记" in fixed
    assert "原有不同登记" not in admin.says("日程 放假 10月1日至8日 国庆节")  # the same again changes nothing
    listed = admin.says("日程 节假日")
    assert "2025年1月28日（周二）至2月4日（周二） 放假（春节），共 8 天" in listed
    assert "2025年10月11日（周六） 调休上班（国庆调休），共 1 天" in listed


@pytest.mark.parametrize(("written", "first", "last", "name"), [
    ("10.1-10.7 国庆节", date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
    ("10月1日-7日 国庆节", date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
    ("10月1日－10月7日 国庆节", date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
    ("10/1-10/7 国庆节", date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
    ("10月1日——10月7日 国庆节", date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
    ("10.1...10.7 国庆节", date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
    ("10月1日 1.5天", date(2026, 10, 1), date(2026, 10, 1), "1.5天"),  # a number in the name is no day
    ("10月1日 国庆节（中秋），补休", date(2026, 10, 1), date(2026, 10, 1), "国庆节（中秋），补休"),  # as typed
    ("9月19日（周六） 补登", date(2026, 9, 19), date(2026, 9, 19), "补登"),  # yesterday, by its weekday
    ("2月29日 闰日", date(2028, 2, 29), date(2028, 2, 29), "闰日"),
    ("12月31日至2027年1月3日 元旦", date(2026, 12, 31), date(2027, 1, 3), "元旦"),  # the year on the end only
    ("2026-08-01 补登", date(2026, 8, 1), date(2026, 8, 1), "补登"),  # a year written: however long ago
    ("2025年10月1日（周三） 国庆节", date(2025, 10, 1), date(2025, 10, 1), "国庆节"),
    ("10月1日 （国庆节）", date(2026, 10, 1), date(2026, 10, 1), "（国庆节）"),  # a bracket with no weekday
    ("10月1日（礼拜四） 国庆节", date(2026, 10, 1), date(2026, 10, 1), "国庆节"),
])
def test_days_written_every_way_an_admin_writes_them(written: str, first: date, last: date, name: str) -> None:
    assert workdays.parse_days(written, date(2026, 9, 20)) == ([(first, last)], name)


def test_a_holiday_under_way_across_new_year_is_this_one_and_lists_take_and() -> None:
    assert workdays.parse_days("12月31日至1月3日 元旦", date(2027, 1, 2)) == (
        [(date(2026, 12, 31), date(2027, 1, 3))], "元旦")
    both = ([(date(2026, 9, 27), date(2026, 9, 27)), (date(2026, 10, 10), date(2026, 10, 10))], "国庆调休")
    for written in ("9月27日和10月10日 国庆调休", "9月27日、10月10日国庆调休", "9月27日与10月10日 国庆调休"):
        assert workdays.parse_days(written, date(2026, 9, 20)) == both, written


@pytest.mark.parametrize(("written", "refusal"), [
    ("10月1日（周五 国庆节", "括号要成对"),
    ("10月1日(周四 至 10月7日(周三) 国庆节", "括号要成对"),
    ("10-123 国庆节", "请先写日期或日期范围"),
    ("0000-1-1 元旦", "「0000-1-1」不是有效的日期"),
    ("10月10日（周五） 调休", "2026年10月10日（星期六）与所注的「周五」不符"),  # not last year's Friday
    ("、".join(["10-1"] * 21) + " 国庆节", "一条最多写 20 个日期"),
    ("10月1日（周五） 国庆节", "2026年10月1日（星期四）与所注的「周五」不符"),  # not next year's Friday
    ("10月1日至7日、8日 国庆节", "「、8日 国庆节」无法识别"),  # a day left unread is no name
    ("10月1日-7天国庆", "后面缺少结束日期"),
    ("10月1日（周7） 国庆节", "与所注的「周日」不符"),
])
def test_what_cannot_be_read_for_sure_is_refused(written: str, refusal: str) -> None:
    with pytest.raises(UsageError, match=refusal):
        workdays.parse_days(written, date(2026, 9, 20))


def test_repeated_days_count_once_and_a_word_may_touch_the_date(chat: ChatDriver, clock: FrozenClock) -> None:
    clock.current = beijing(2026, 9, 20, 12)
    assert "（1 天）" in chat.as_member("admin").says("日程 放假10-1、10-1 国庆节")


@pytest.mark.parametrize("days", ["10月1日至8日放假调休，共8天", "10月1日至8日共8天", "10月1日至8日，放假，共 8 天。",
                                  "：10月1日至8日共8天"])
def test_the_count_of_days_in_the_notice_is_no_part_of_the_holidays_name(days: str, chat: ChatDriver,
                                                                         clock: FrozenClock) -> None:
    """As the State Council's notice writes it: 「10月1日至8日放假调休，共8天」."""
    admin = chat.as_member("admin")
    assert "已登记 2026年10月1日至10月8日（8 天）放假" in admin.says(f"日程 放假 {days} 国庆节、中秋节")
    assert "放假（国庆节、中秋节），共 8 天" in admin.says("日程 假日")


def test_the_readmes_examples_are_entered_as_typed(chat: ChatDriver) -> None:
    """An admin copies the README's examples: its 上班 example, from an earlier year's notice, was refused."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"`(日程 (?:放假|上班) [^`]+)`", readme)
    assert len(examples) >= 2
    for example in examples:
        assert chat.as_member("admin").says(example).startswith("已登记"), example


def test_two_日程_commands_in_one_message_do_nothing(chat: ChatDriver) -> None:
    """帮助 日程 showed 「日程 设置 meeting hour=16 place=二楼会议室；日程 放假 …」 as one example: typed so, the second
    command became the meeting's place, and no holiday was entered."""
    reply = chat.as_member("admin").says("日程 设置 meeting hour=16 place=二楼会议室；日程 放假 10月1日至8日 国庆节")
    assert reply == ("一条消息只写一条「日程」命令，这条没有执行。请分两条发送：「日程 设置 meeting hour=16 "
                     "place=二楼会议室」和「日程 放假 10月1日至8日 国庆节」")
    with chat.runtime.sessions.begin() as session:
        assert session.get(Schedule, "meeting").params["place"] != "二楼会议室；日程 放假 10月1日至8日 国庆节"
    shown = chat.as_member("admin").says("帮助 日程")
    assert "例：日程 设置 meeting hour=16 place=二楼会议室\n" in shown and "；日程" not in shown
