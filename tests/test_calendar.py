"""The calendar with an injected clock (the machine's zone is UTC; the office's is Asia/Shanghai)."""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot import outbox, scheduler
from bot.domain import meetings
from bot.runtime import Runtime
from bot.scheduler import Calendar
from models import JobRun, Member, OutboxMessage, Schedule, StudyItem
from tests.conftest import PG_URL, ChatDriver, FrozenClock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def only(runtime: Runtime, *schedule_ids: str) -> None:
    """Leave just these schedules enabled (as if installed now), so a test sees one job at a time."""
    with runtime.sessions.begin() as session:
        session.execute(update(Schedule).values(enabled=Schedule.id.in_(schedule_ids), updated_at=runtime.clock()))


def group_messages(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.sessions.begin() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "group")
                                    .order_by(OutboxMessage.id)))


def runs(runtime: Runtime) -> list[tuple[str, str, str]]:
    with runtime.sessions.begin() as session:
        return [(r.schedule_id, r.period, r.outcome) for r in session.scalars(select(JobRun).order_by(JobRun.id))]


@pytest.fixture
def cal(chat: ChatDriver, clock: FrozenClock) -> Calendar:
    return Calendar(chat.runtime.sessions, chat.runtime.settings, clock, worker="test")


def test_q15_monthly_report_fires_at_9_shanghai_on_the_1st_once(chat: ChatDriver, cal: Calendar,
                                                                 clock: FrozenClock) -> None:
    only(chat.runtime, "monthly_report")
    clock.current = utc(2026, 6, 1, 0, 59)
    assert cal.tick() == []
    clock.current = utc(2026, 6, 1, 1, 0)  # 09:00 in Shanghai
    assert cal.tick() == [("monthly_report", "2026-06-01T09:00:00", "done")]
    clock.advance(seconds=30)
    assert cal.tick() == []
    [report] = group_messages(chat.runtime)
    assert report.dedupe_key == "report:2026-05"
    assert "**2026年5月宣传工作月报**" in report.payload["markdown"]["content"]


def test_the_last_friday_rule_for_every_month_of_two_years(chat: ChatDriver) -> None:
    with chat.runtime.sessions.begin() as session:
        for year in (2026, 2027):
            for month in range(1, 13):
                found = meetings.next_meeting(session, datetime(year, month, 1, tzinfo=SHANGHAI), SHANGHAI)
                assert found is not None
                weeks = stdlib_calendar.monthcalendar(year, month)
                last_friday = max(week[stdlib_calendar.FRIDAY] for week in weeks)
                assert found[0] == datetime(year, month, last_friday, 15, 0, tzinfo=SHANGHAI)


def test_a_theme_day_call_goes_out_ten_days_before(chat: ChatDriver, cal: Calendar, clock: FrozenClock) -> None:
    clock.current = utc(2026, 4, 11, 1, 0)  # 4/11 09:00: nothing is ten days ahead
    only(chat.runtime, "theme_day_calls")
    cal.tick()
    clock.current = utc(2026, 4, 12, 1, 0)  # 4/12 + 10 days = 4/22 世界地球日
    cal.tick()
    [call] = group_messages(chat.runtime)
    assert call.dedupe_key == "theme:2026-04-22:世界地球日" and "世界地球日征稿" in call.payload["markdown"]["content"]
    # Where to send drafts: the group's app or robot posts it, and neither reads the group's replies.
    assert "活动稿件请及时在与机器人的单聊中发送「投稿 标题」，换行写正文。" in call.payload["markdown"]["content"]
    # The theme day's drafts have a series of their own (主题宣传), counted in 专题 and the year's summary.
    assert "投稿后发送「专题 #编号 世界地球日」归入主题宣传，年终统计。" in call.payload["markdown"]["content"]
    chat.as_member("zhangsan").says("投稿 我局开展世界地球日宣传\n正文")
    assert "已归入专题「世界地球日」" in chat.as_member("zhangsan").says("专题 #1 世界地球日")
    assert "世界地球日：投稿 1 篇，刊发 0 篇" in chat.as_member("zhangsan").says("专题")


def test_a_theme_days_series_retired_by_an_admin_stays_retired(chat: ChatDriver, cal: Calendar,
                                                               clock: FrozenClock) -> None:
    clock.current = utc(2026, 4, 11, 1, 0)
    only(chat.runtime, "theme_day_calls")
    chat.as_member("admin").says("专题 添加 世界地球日")
    chat.as_member("admin").says("专题 停用 世界地球日")
    clock.current = utc(2026, 4, 12, 1, 0)
    cal.tick()
    [call] = group_messages(chat.runtime)
    assert "世界地球日征稿" in call.payload["markdown"]["content"] and "专题" not in call.payload["markdown"]["content"]
    chat.as_member("zhangsan").says("投稿 我局开展世界地球日宣传\n正文")
    assert "已停用" in chat.as_member("zhangsan").says("专题 #1 世界地球日")


def test_a_theme_day_call_missed_while_down_goes_out_on_the_next_run_once(chat: ChatDriver, cal: Calendar,
                                                                          clock: FrozenClock) -> None:
    clock.current = utc(2026, 4, 10, 4, 0)
    only(chat.runtime, "theme_day_calls")
    clock.current = utc(2026, 4, 13, 1, 0)  # down over 4/12 09:00, the 世界地球日 call; back the next morning
    cal.tick()
    for day in range(14, 23):
        clock.current = utc(2026, 4, day, 1, 0)
        cal.tick()
    [call] = group_messages(chat.runtime)  # not 全民国家安全教育日 (4/15): its call was due before 4/10
    assert call.dedupe_key == "theme:2026-04-22:世界地球日" and call.created_at == utc(2026, 4, 13, 1, 0)


def test_q15_downtime_within_grace_runs_once_and_beyond_grace_is_skipped(chat: ChatDriver, cal: Calendar,
                                                                         clock: FrozenClock) -> None:
    only(chat.runtime, "monthly_report")
    clock.current = utc(2026, 5, 31, 12)
    cal.tick()  # the bot is up, then down across 06-01 09:00
    clock.current = utc(2026, 6, 2, 8)  # back within the 3-day grace
    assert cal.tick() == [("monthly_report", "2026-06-01T09:00:00", "done")]
    assert cal.tick() == []
    clock.current = utc(2026, 6, 30, 12)
    cal.tick()  # down across 07-01 09:00 again …
    clock.current = utc(2026, 7, 5, 8)  # … and back too late
    assert cal.tick() == [("monthly_report", "2026-07-01T09:00:00", "skipped")]
    assert len(group_messages(chat.runtime)) == 1
    assert runs(chat.runtime)[-1] == ("monthly_report", "2026-07-01T09:00:00", "skipped")
    with chat.runtime.sessions.begin() as session:  # the month's only report: the admins hear it was not sent
        [told] = session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("missed:%"))).all()
    assert told.recipient == "admin" and told.payload["text"]["content"] == (
        "日程「月报」原定于7月1日9:00执行，因系统当时未运行且已超过补发时限，未能发出。"
        "可在工作群发送「统计 2026-06」代替。")


def test_a_due_report_survives_a_change_of_its_grace_or_place(chat: ChatDriver, cal: Calendar,
                                                              clock: FrozenClock) -> None:
    """The scheduler is down at 09:00 on the 1st and an admin changes the grace meanwhile: it still runs."""
    only(chat.runtime, "monthly_report", "meeting")
    clock.current = utc(2026, 5, 31, 4)
    cal.tick()
    clock.current = utc(2026, 6, 1, 2)
    assert "已修改" in chat.as_member("admin").says("日程 设置 monthly_report grace=5000")
    assert "已修改" in chat.as_member("admin").says("日程 设置 meeting place=二楼会议室")
    clock.current = utc(2026, 6, 1, 3)
    assert cal.tick() == [("monthly_report", "2026-06-01T09:00:00", "done")]


@pytest.mark.parametrize(("meeting_hour", "back_at"), [(8, utc(2026, 6, 26, 0, 30)), (10, utc(2026, 6, 26, 3))])
def test_no_notice_announces_a_meeting_already_over(meeting_hour: int, back_at: datetime, chat: ChatDriver,
                                                    cal: Calendar, clock: FrozenClock) -> None:
    """A meeting at 08:00 before the 08:30 day notice, or the bot down from 08:00 to 11:00 over a 10:00 one."""
    only(chat.runtime, "meeting", "meeting_day_notice")
    clock.current = utc(2026, 6, 20, 4)
    assert "已修改" in chat.as_member("admin").says(f"日程 设置 meeting hour={meeting_hour}")
    clock.current = utc(2026, 6, 26, 0, 0)
    cal.tick()
    clock.current = back_at
    cal.tick()
    assert group_messages(chat.runtime) == []


def test_q15_a_second_calendar_never_runs_a_claimed_period(chat: ChatDriver, cal: Calendar, clock: FrozenClock,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted where the job runs: a job's own dedupe keys would hide a second run from the group's messages."""
    ran: list[str] = []
    monkeypatch.setattr(scheduler, "JOBS", {name: (lambda ctx, job=job, name=name: ran.append(name) or job(ctx))
                                            for name, job in scheduler.JOBS.items()})
    only(chat.runtime, "study_reminder")
    other = Calendar(chat.runtime.sessions, chat.runtime.settings, clock, worker="other")
    chat.as_member("admin").says("学习 设置 2026-06 《习近平谈治国理政》第二卷")
    clock.current = utc(2026, 6, 5, 1, 0)
    assert [outcome for *_, outcome in cal.tick() + other.tick()] == ["done"]
    assert len(group_messages(chat.runtime)) == 1 and ran == ["study_reminder"]
    # Both read the schedule before either claimed: the (schedule, period) row decides, not the reading.
    with chat.runtime.sessions.begin() as session:
        schedule = session.scalars(select(Schedule).where(Schedule.job == "study_reminder")).one()
        session.expunge(schedule)
    fire = datetime(2026, 7, 5, 9, tzinfo=SHANGHAI)
    assert cal._claim(schedule, fire, clock(), run=True) == "done"
    assert other._claim(schedule, fire, clock(), run=True) is None
    assert [period for _, period, _ in runs(chat.runtime)].count("2026-07-05T09:00:00") == 1
    assert ran == ["study_reminder"] * 2  # June's and July's, each once


def test_overdue_reminders_reach_the_holders_and_an_admin_from_the_second(chat: ChatDriver, cal: Calendar,
                                                                          clock: FrozenClock) -> None:
    only(chat.runtime, "overdue_reminders")
    clock.current = datetime(2026, 5, 15, 10, tzinfo=SHANGHAI).astimezone(UTC)  # Friday
    chat.as_member("zhangsan").says("投稿 拖着的稿\n正文")  # lisi edits it: 48 working hours → Tue 10:00
    chat.as_member("xiaoli").says("投稿 待审的稿\n正文")
    chat.as_member("zhaoliu").says("送审 #2")  # approvers have 24 hours → Sat 10:00

    def reminded_at(day: int) -> list[str]:
        clock.current = datetime(2026, 5, day, 9, 30, tzinfo=SHANGHAI).astimezone(UTC)
        cal.tick()
        with chat.runtime.sessions.begin() as session:
            return sorted(m.recipient for m in session.scalars(select(OutboxMessage).where(
                OutboxMessage.dedupe_key.like(f"remind:%:2026-05-{day:02d}:%"))))

    assert reminded_at(18) == ["wangwu", "zhouqi"]  # Monday: only the approval is late (weekends count)
    assert reminded_at(19) == ["admin", "wangwu", "zhouqi"]  # Tuesday 09:30: the edit is not yet 48 working hours
    assert reminded_at(20) == ["admin", "lisi", "wangwu", "zhouqi"]  # lisi's first; the approvers' third
    assert reminded_at(21) == ["admin", "admin", "lisi", "wangwu", "zhouqi"]  # lisi's second: admin copied
    texts = {m.recipient: m.payload["text"]["content"] for m in chat.outbox() if "2026-05-21" in m.dedupe_key}
    assert "请尽快处理：回复「批准 #2」或「退回 #2 原因」；发送「稿件 #2 全文」查看。" in texts["wangwu"]
    assert "请尽快处理：改好后发送「送审 #1」；发送「稿件 #1 全文」查看。" in texts["lisi"]


def test_the_admin_is_copied_from_the_second_day_whoever_holds_the_draft(chat: ChatDriver, cal: Calendar,
                                                                         clock: FrozenClock) -> None:
    """The days reminded before were counted by the first holder's messages: an approver added in between (one
    stands in for another away) started the count again, and the admin's copy skipped a day (found by a review)."""
    only(chat.runtime, "overdue_reminders")
    clock.current = datetime(2026, 5, 15, 10, tzinfo=SHANGHAI).astimezone(UTC)  # Friday
    chat.as_member("xiaoli").says("投稿 待审的稿\n正文")
    chat.as_member("lisi").says("送审 #1")
    clock.current = datetime(2026, 5, 18, 9, 30, tzinfo=SHANGHAI).astimezone(UTC)
    cal.tick()
    assert "角色设为：通讯员、审核" in chat.as_member("admin").says("成员 角色 zhangsan 通讯员 审核")  # 1st holder
    clock.current = datetime(2026, 5, 19, 9, 30, tzinfo=SHANGHAI).astimezone(UTC)
    cal.tick()
    copies = [m for m in chat.outbox() if m.recipient == "admin" and "抄送管理员：第 2 次催办" in str(m.payload)]
    assert len(copies) == 1


def test_an_admin_holding_a_pending_draft_is_asked_for_an_approver(chat: ChatDriver, cal: Calendar,
                                                                   clock: FrozenClock) -> None:
    """With no approver left the admins hold it, and may not 批准: 催办 asks them to name an approver instead."""
    only(chat.runtime, "overdue_reminders")
    clock.current = datetime(2026, 5, 15, 10, tzinfo=SHANGHAI).astimezone(UTC)  # Friday
    chat.as_member("xiaoli").says("投稿 待审的稿\n正文")
    chat.as_member("lisi").says("送审 #1")
    for approver in ("wangwu", "zhouqi"):
        chat.as_member("admin").says(f"成员 角色 {approver} 通讯员")
    clock.current = datetime(2026, 5, 18, 9, 30, tzinfo=SHANGHAI).astimezone(UTC)
    cal.tick()
    [reminder] = [m.payload["text"]["content"] for m in chat.outbox()
                  if m.recipient == "admin" and m.dedupe_key.startswith("remind:")]
    assert ("目前没有能审核这篇稿件的审核人，请给一位没有参与此稿的成员加上审核角色："
            "「成员 角色 账号 其现有角色 审核」（角色要写全，未写的会被去掉）") in reminder
    assert "批准 #1" not in reminder


def test_meeting_notices_with_the_leads_since_the_last_meeting(chat: ChatDriver, cal: Calendar,
                                                               clock: FrozenClock) -> None:
    only(chat.runtime, "meeting", "meeting_notice", "meeting_day_notice")
    clock.current = datetime(2026, 5, 29, 15, 1, tzinfo=SHANGHAI).astimezone(UTC)  # May's meeting just held
    cal.tick()
    clock.advance(days=1)
    assert "已记录线索" in chat.as_member("zhangsan").says("线索 坪石镇垦造水田项目下月验收")
    chat.as_member("xiaoli").says("线索 详见[通知](http://evil.example) <font>")  # a lead makes no link in a notice
    reply = chat.as_member("xiaoli").says("例会")
    assert "2026年6月26日（星期五）15:00" in reply and "局三楼会议室" in reply and "坪石镇垦造水田" in reply
    assert "用稿动态：5月29日例会以来刊发 0 篇次。" in reply
    chat.as_member("zhangsan").says("投稿 乐昌开展地质灾害应急演练\n正文")
    chat.as_member("admin").says("送审 #1")
    chat.as_member("wangwu").says("批准")
    assert "积分 +3" in chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://www.sgrb.example/1.html")
    clock.current = datetime(2026, 6, 23, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)  # three days before
    cal.tick()
    clock.current = datetime(2026, 6, 26, 8, 30, tzinfo=SHANGHAI).astimezone(UTC)  # the day
    cal.tick()
    notices = [m.payload["markdown"]["content"] for m in group_messages(chat.runtime)
               if "用稿反馈" not in m.payload["markdown"]["content"]]
    assert len(notices) == 2 and "（3 天后）" in notices[0] and "（今天）" in notices[1]
    assert all("坪石镇垦造水田项目下月验收（张三）" in notice for notice in notices)
    assert all("· 详见［通知］(http://evil.example) ＜font＞（小李）" in notice for notice in notices)
    assert all("用稿动态：5月29日例会以来刊发 1 篇次：\n· 《乐昌开展地质灾害应急演练》韶关日报（张三）" in notice
               for notice in notices)


def test_the_meeting_shows_the_newest_ten_publications_and_how_many_more(chat: ChatDriver) -> None:
    for n in range(1, 13):
        chat.as_member("zhangsan").says(f"投稿 第{n}篇\n正文")
        chat.as_member("admin").says(f"送审 #{n}")
        chat.as_member("wangwu").says("批准")
        assert "已登记" in chat.as_member("zhangsan").says(f"刊发 #{n} 韶关日报 https://www.sgrb.example/{n}.html")
    reply = chat.as_member("xiaoli").says("例会")
    assert "用稿动态：近一个月刊发 12 篇次：\n· 《第12篇》韶关日报（张三）" in reply
    assert "《第3篇》" in reply and "《第2篇》" not in reply and "· ……另有 2 篇，发送「统计」查看本月数字" in reply


def test_a_study_reminder_without_items_asks_the_admins_and_posts_once_they_are_set(
        chat: ChatDriver, cal: Calendar, clock: FrozenClock) -> None:
    only(chat.runtime, "study_reminder")
    clock.current = utc(2026, 6, 5, 1, 0)
    assert cal.tick() == [("study_reminder", "2026-06-05T09:00:00", "done")]
    assert group_messages(chat.runtime) == []  # nothing "not set" for the whole group to read
    [asked] = [m for m in chat.outbox() if m.dedupe_key.startswith("study-missing:2026-06")]
    assert asked.recipient == "admin" and asked.payload["text"]["content"].startswith("6月5日为本月学习提醒日")
    assert "请发送「学习 设置 内容」" in asked.payload["text"]["content"]  # sent a day late, 「今天」 would be wrong
    set_now = chat.as_member("admin").says("学习 设置 《习近平谈治国理政》第二卷")
    assert "本月学习提醒日已过，已把学习内容发到工作群" in set_now
    [posted] = group_messages(chat.runtime)
    assert posted.payload["markdown"]["content"].splitlines() == ["**6月学习提醒**", "《习近平谈治国理政》第二卷",
                                                                  "发送「学习」随时查看。"]
    # Changed after the group had them: posted as 更正 (the group kept the wrong list), the same again is nothing.
    assert "已把更正后的学习内容发到工作群" in chat.as_member("admin").says("学习 设置 改后的书目")
    assert "工作群" not in chat.as_member("admin").says("学习 设置 改后的书目")
    assert "已把学习内容发到工作群" not in chat.as_member("admin").says("学习 设置 7月 下月的书")  # not yet due
    assert [m.payload["markdown"]["content"].splitlines()[:2] for m in group_messages(chat.runtime)][1:] == [
        ["**6月学习提醒（更正）**", "改后的书目"]]
    # The month in words is the month, never the first word of this month's items (nor posted as them).
    for said, month in (("学习 设置 下月 《新闻思想讲义》", "2026-07"), ("学习 设置 八月 八月的书", "2026-08"),
                        ("学习 设置 下个月\n《新闻思想讲义》", "2026-07")):
        assert chat.as_member("admin").says(said).startswith(f"已设置 {month} 的学习内容。"), said
    assert chat.as_member("zhangsan").says("学习") == "2026-06 学习内容：\n改后的书目"
    assert chat.as_member("zhangsan").says("学习 本月") == "2026-06 学习内容：\n改后的书目"
    assert chat.as_member("zhangsan").says("学习 下月") == "2026-07 学习内容：\n《新闻思想讲义》"
    assert chat.as_member("zhangsan").says("学习 十二月") == "2026-12 的学习内容还没有设置。"
    assert len(group_messages(chat.runtime)) == 2


def test_study_items_set_for_a_past_month_are_history_not_a_reminder(chat: ChatDriver, cal: Calendar,
                                                                      clock: FrozenClock) -> None:
    only(chat.runtime, "study_reminder")
    clock.current = utc(2026, 6, 5, 1, 0)
    cal.tick()  # asks the admins
    clock.current = utc(2026, 7, 2, 1, 0)
    assert "已把学习内容发到工作群" not in chat.as_member("admin").says("学习 设置 2026-06 六月的书")
    assert group_messages(chat.runtime) == []


@pytest.mark.parametrize("month", ["2026-7", "２０２６－０７", "2026年7月", "2026-07", "7月", "7月份", "七月份",
                                   "7月：", "2026年7月:"])
def test_study_items_of_another_month_never_touch_this_months(chat: ChatDriver, month: str) -> None:
    admin = chat.as_member("admin")
    assert "已设置 2026-05 的学习内容。" in admin.says("学习 设置 五月的书")
    assert "已设置 2026-07 的学习内容。发送「学习 2026-07」查看" in admin.says(f"学习 设置 {month} 七月的书")
    assert "2026-05 学习内容：\n五月的书" in chat.as_member("zhangsan").says("学习")
    assert "2026-07 学习内容：\n七月的书" in chat.as_member("zhangsan").says(f"学习 {month}")
    assert "已设置 2026-07 的学习内容。替换了原有内容：\n七月的书\n" in admin.says("学习 设置 2026-07 七月的新书")
    for bad in ("学习 设置 2026-13 十三月", "学习 设置 2026-0 零月"):
        assert "不是有效的月份，请写成 2026-05" in admin.says(bad)
    assert "年份应在 2000 到 2100 之间" in admin.says("学习 设置 0000-07 公元元年")
    # Not a month: a number that goes on is the items' own text, for this month.
    replaced = admin.says("学习 设置 2026年1号文件精神")
    assert replaced.startswith("已设置 2026-05 的学习内容。") and "替换了原有内容：\n五月的书" in replaced, replaced
    assert "2026年1号文件精神" in chat.as_member("zhangsan").says("学习")
    assert "已设置 2026-05" in admin.says("学习 设置 2026-123 号文件")
    assert "2026-123 号文件" in chat.as_member("zhangsan").says("学习")
    admin.says("学习 设置 五月的书")
    assert "2026-06 的学习内容还没有设置" in chat.as_member("zhangsan").says("学习 2026-06")
    assert "用法：学习｜学习 2026-07" in chat.as_member("zhangsan").says("学习 书目")
    with chat.runtime.sessions.begin() as session:
        assert {(i.month, i.text) for i in session.scalars(select(StudyItem))} == {
            ("2026-05", "五月的书"), ("2026-07", "七月的新书")}


def test_study_items_after_a_month_and_a_colon_or_a_day_never_become_this_months(chat: ChatDriver) -> None:
    """「8月：《…》」 was read as this month's items, posted at once if its reminder had asked; 「7月1日」 too (found
    by reviews of the calendar and of the admin's year)."""
    admin = chat.as_member("admin")
    assert "已设置 2026-05 的学习内容。" in admin.says("学习 设置 五月的书")
    assert "已设置 2026-08 的学习内容。" in admin.says("学习 设置 8月：《习近平谈治国理政》第三卷")
    assert chat.as_member("zhangsan").says("学习 8月") == "2026-08 学习内容：\n《习近平谈治国理政》第三卷"
    for day in ("7月1日", "2026-7-1", "七月一日", "7/1", "8月份学习《乡村振兴促进法》"):
        refused = admin.says(f"学习 设置 {day} 《乡村振兴促进法》")
        assert f"学习内容没有设置：「{day[:12]}」读不出是哪个月。请写：学习 设置 2026-07 内容" in refused
    for month in ("8月，《习近平谈治国理政》第三卷", "8月《习近平谈治国理政》第三卷"):  # a comma, a title: 8月
        assert "已设置 2026-08 的学习内容。与原有内容相同。" in admin.says(f"学习 设置 {month}")
    assert "已设置 2026-05" in admin.says("学习 设置 1.2026年全国两会精神传达提纲 2.《新闻思想讲义》")  # numbered
    admin.says("学习 设置 五月的书")
    assert chat.as_member("zhangsan").says("学习") == "2026-05 学习内容：\n五月的书"
    assert admin.says("统计 5月份") == admin.says("统计 5月")


def test_a_month_without_a_year_is_the_nearest_one(chat: ChatDriver, clock: FrozenClock) -> None:
    admin = chat.as_member("admin")
    clock.current = datetime(2026, 12, 20, 2, tzinfo=UTC)
    assert "已设置 2027-01 的学习内容" in admin.says("学习 设置 1月 新年第一课")  # the coming January
    assert "已设置 2026-07 的学习内容" in admin.says("学习 设置 7月 补记")
    clock.current = datetime(2027, 1, 5, 2, tzinfo=UTC)
    assert admin.says("统计 12月").startswith("2026年12月：")  # the December just gone
    assert admin.says("统计 7月").startswith("2026年7月：")  # figures: never a month to come


def test_study_items_and_admin_schedule_changes(chat: ChatDriver, cal: Calendar, clock: FrozenClock) -> None:
    assert "还没有设置" in chat.as_member("zhangsan").says("学习")
    assert "只有管理员" in chat.as_member("zhangsan").says("学习 设置 某书")
    assert "已设置 2026-05" in chat.as_member("admin").says("学习 设置 《习近平谈治国理政》第二卷")
    assert "《习近平谈治国理政》第二卷" in chat.as_member("zhangsan").says("学习")
    assert "需要管理员角色" in chat.as_member("zhangsan").says("日程")
    listing = chat.as_member("admin").says("日程")
    assert "monthly_report（月报）day=1 hour=9 minute=0，下次 06-01 09:00" in listing
    changed = chat.as_member("admin").says("日程 设置 study_reminder day=6 hour=10")
    assert "day=6 hour=10 minute=0，下次 06-06 10:00" in changed
    refused = chat.as_member("admin").says("日程 设置 study_reminder hour=25")
    assert "时间规则「hour=25」无效：hour 应为 0–23。" in refused
    assert "已停用" in chat.as_member("admin").says("日程 停用 theme_day_calls")
    assert "已停用" in chat.as_member("admin").says("日程 停用 月报")  # by the title the listing shows
    assert "已启用" in chat.as_member("admin").says("日程 启用 月报")
    assert "已修改 meeting" in chat.as_member("admin").says("日程 设置 例会 agenda=二")  # as people call it
    unknown = chat.as_member("admin").says("日程 停用 周会")
    assert "可用：meeting（宣传工作例会）、meeting_day_notice（例会当天提醒）" in unknown
    assert "place 最多 200 个字（现在 201 个）" in chat.as_member("admin").says("日程 设置 meeting place=" + "楼" * 201)
    assert "学习内容最多 500 个字（现在 501 个）" in chat.as_member("admin").says("学习 设置 " + "书" * 501)
    only_enabled = [line for line in chat.as_member("admin").says("日程").split("\n") if "theme_day_calls" in line]
    assert only_enabled and "已停用" in only_enabled[0]
    only(chat.runtime, "study_reminder")
    clock.current = datetime(2026, 6, 6, 10, tzinfo=SHANGHAI).astimezone(UTC)  # the changed rule, no restart
    assert cal.tick() == [("study_reminder", "2026-06-06T10:00:00", "done")]


def test_a_failing_job_is_recorded_not_retried(chat: ChatDriver, cal: Calendar, clock: FrozenClock) -> None:
    only(chat.runtime, "monthly_report")
    with chat.runtime.sessions.begin() as session:
        session.get(Schedule, "monthly_report").job = "no_such_job"
    clock.current = utc(2026, 6, 1, 1)
    assert cal.tick() == [("monthly_report", "2026-06-01T09:00:00", "failed")]
    assert cal.tick() == []
    with chat.runtime.sessions.begin() as session:  # nobody reads the log: the admins are told
        [told] = session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("failed:%"))).all()
    assert told.recipient == "admin" and told.payload["text"]["content"].startswith(
        "日程「月报」原定于6月1日9:00执行时出错，未能完成。请联系系统运维人员查看日志")


def published_in_shaoguan_daily(chat: ChatDriver) -> None:
    """Draft #1 of 张三, approved and published by 韶关日报 (3 points)."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地质灾害应急演练\n正文")
    chat.as_member("admin").says("送审 #1")
    chat.as_member("wangwu").says("批准")
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://www.sgrb.example/1.html")


def test_year_end_ranking(chat: ChatDriver, cal: Calendar, clock: FrozenClock) -> None:
    only(chat.runtime, "year_end")
    published_in_shaoguan_daily(chat)
    clock.current = datetime(2026, 12, 28, 10, tzinfo=SHANGHAI).astimezone(UTC)
    assert cal.tick() == [("year_end", "2026-12-28T10:00:00", "done")]
    [message] = [m for m in group_messages(chat.runtime) if m.dedupe_key.startswith("yearend:")]
    assert message.payload["markdown"]["content"] == "\n".join([
        "**2026年度用稿排行（优秀通讯员评选参考，截至12月28日）**", "1. 张三（办公室）3 分，1 篇", "部门：办公室 3 分",
        "全年没有登记通讯员培训。", "此后登记的刊发仍计入全年：发送「排行 2026」查看最新排行。",
        "年度宣传工作总结的数据素材：管理员发送「导出 总结 2026」获取。", "全年刊发稿件 1 篇：",
        "· 《乐昌开展地质灾害应急演练》韶关日报"])


def test_the_year_end_post_lists_every_article_of_the_year(chat: ChatDriver, cal: Calendar,
                                                           clock: FrozenClock) -> None:
    """The material for 工作巡礼 is the whole year's list: a year of 40 articles outgrows one group message, so
    it goes on in the next ones (the list was cut at about 20, the first half of the year)."""
    only(chat.runtime, "year_end")
    titles = [f"乐昌市自然资源局开展第{n}次地质灾害应急演练" for n in range(1, 41)]
    for number, title in enumerate(titles, start=1):
        chat.as_member("zhangsan").says(f"投稿 {title}\n正文")
        chat.as_member("admin").says(f"送审 #{number}")
        chat.as_member("wangwu").says("批准")
        chat.as_member("zhangsan").says(f"刊发 #{number} 韶关日报 https://www.sgrb.example/2026/{number}.html")
    clock.current = datetime(2026, 12, 28, 10, tzinfo=SHANGHAI).astimezone(UTC)
    assert cal.tick() == [("year_end", "2026-12-28T10:00:00", "done")]
    posts = [m for m in group_messages(chat.runtime) if m.dedupe_key.startswith("yearend:")]
    assert [m.dedupe_key for m in posts] == ["yearend:2026:12-28", "yearend:2026:12-28:1"]
    contents = [m.payload["markdown"]["content"] for m in posts]
    assert "全年刊发稿件 40 篇：" in contents[0] and contents[1].startswith("（续上条）\n· 《")
    listed = [line for content in contents for line in content.splitlines() if line.startswith("· 《")]
    assert listed == [f"· 《{title}》韶关日报" for title in titles]


def test_a_post_in_parts_keeps_to_the_group_limit_and_says_where_the_rest_is() -> None:
    lines = [f"· 《乐昌市自然资源局开展第{n}次地质灾害应急演练》韶关日报" for n in range(1000)]
    parts = outbox.split(lines, "……完整清单请管理员导出。", 10)
    assert len(parts) == 10 and all(len(part.encode()) <= outbox.GROUP_LIMIT for part in parts)
    assert parts[-1].endswith("\n……完整清单请管理员导出。") and not parts[-2].endswith("导出。")
    shown = [line for part in parts for line in part.splitlines() if line.startswith("· ")]
    assert shown == lines[:len(shown)]
    assert outbox.split(lines[:3], "更多", 10) == ["\n".join(lines[:3])]


def test_the_year_end_ranking_names_a_member_without_department(chat: ChatDriver, cal: Calendar,
                                                                  clock: FrozenClock) -> None:
    only(chat.runtime, "year_end")
    published_in_shaoguan_daily(chat)
    with chat.runtime.sessions.begin() as session:  # as a WeCom sync leaves a member outside any department
        session.execute(update(Member).where(Member.userid == "zhangsan").values(department=""))
    clock.current = datetime(2026, 12, 28, 10, tzinfo=SHANGHAI).astimezone(UTC)
    cal.tick()
    [message] = [m for m in group_messages(chat.runtime) if m.dedupe_key.startswith("yearend:")]
    assert message.payload["markdown"]["content"].splitlines()[1:3] == ["1. 张三（未填部门）3 分，1 篇",
                                                                       "部门：未填部门 3 分"]
    assert "1. 张三（未填部门）3 分，1 篇" in chat.as_member("admin").says("排行 2026")


def test_a_firing_missed_before_a_schedule_ever_ran_is_recorded_as_skipped(chat: ChatDriver, cal: Calendar,
                                                                           clock: FrozenClock) -> None:
    only(chat.runtime, "year_end")
    clock.current = datetime(2027, 1, 2, 12, tzinfo=SHANGHAI).astimezone(UTC)  # down from Dec 27 to Jan 2
    assert cal.tick() == [("year_end", "2026-12-28T10:00:00", "skipped")]
    assert cal.tick() == []


def test_a_year_end_ranking_fired_in_january_closes_the_whole_year_before(chat: ChatDriver, cal: Calendar,
                                                                          clock: FrozenClock) -> None:
    only(chat.runtime, "year_end")
    assert "已修改" in chat.as_member("admin").says("日程 设置 year_end day=31")
    clock.current = datetime(2026, 12, 31, 10, tzinfo=SHANGHAI).astimezone(UTC)
    assert cal.tick() == [("year_end", "2026-12-31T10:00:00", "done")]  # the ranking so far, on the year's last day
    assert "已修改" in chat.as_member("admin").says("日程 设置 year_end month=1 day=2 hour=9")
    clock.current = datetime(2026, 12, 31, 20, tzinfo=SHANGHAI).astimezone(UTC)  # New Year's Eve
    published_in_shaoguan_daily(chat)
    clock.current = datetime(2027, 1, 2, 9, tzinfo=SHANGHAI).astimezone(UTC)
    assert cal.tick() == [("year_end", "2027-01-02T09:00:00", "done")]
    so_far, message = [m for m in group_messages(chat.runtime) if m.dedupe_key.startswith("yearend:")]
    assert (so_far.dedupe_key, message.dedupe_key) == ("yearend:2026:12-31", "yearend:2026")
    assert message.payload["markdown"]["content"].splitlines()[:3] == [
        "**2026年度用稿排行（优秀通讯员评选参考）**", "1. 张三（办公室）3 分，1 篇", "部门：办公室 3 分"]


def test_each_admin_is_asked_on_march_1st_to_arrange_the_years_training(chat: ChatDriver, cal: Calendar,
                                                                        clock: FrozenClock) -> None:
    only(chat.runtime, "training_reminder")
    chat.as_member("admin").says("成员 角色 wangwu 审核 管理员")
    clock.current = datetime(2027, 3, 1, 9, tzinfo=SHANGHAI).astimezone(UTC)
    assert cal.tick() == [("training_reminder", "2027-03-01T09:00:00", "done")]
    assert cal.tick() == []
    asked = {m.recipient: m.payload["text"]["content"] for m in chat.outbox() if m.dedupe_key.startswith("training:")}
    assert sorted(asked) == ["admin", "wangwu"] and "请安排2027年的培训（时间、主讲人、内容）" in asked["admin"]
    assert "training_reminder（通讯员培训提醒）month=3 day=1 hour=9 minute=0" in chat.as_member("admin").says("日程")
    with chat.runtime.sessions.begin() as session:  # no admin at all (chat keeps the last one): the group instead
        session.execute(update(Member).where(Member.userid.in_(["admin", "wangwu"])).values(role_names="approver"))
    clock.current = datetime(2028, 3, 1, 9, tzinfo=SHANGHAI).astimezone(UTC)
    assert cal.tick() == [("training_reminder", "2028-03-01T09:00:00", "done")]
    [group] = [m for m in group_messages(chat.runtime) if m.dedupe_key == "training:2028"]
    assert "请安排2028年的培训" in group.payload["markdown"]["content"]


def test_q15_period_keys_are_shanghai_local_times(chat: ChatDriver, cal: Calendar, clock: FrozenClock) -> None:
    clock.current = utc(2026, 5, 12, 1, 29)
    only(chat.runtime, "overdue_reminders")
    clock.current = utc(2026, 5, 12, 1, 30)  # Tuesday 09:30 in Shanghai
    assert cal.tick() == [("overdue_reminders", "2026-05-12T09:30:00", "done")]


def test_q15_three_scheduler_processes_fire_each_period_once(chat: ChatDriver, tmp_path: object) -> None:
    """Real `newsbot scheduler` processes on one database, with a rule firing every two seconds."""
    import json
    import signal
    import subprocess
    import sys
    import time
    from collections import Counter

    from tests.test_delivery import cli_env

    env = cli_env(chat.runtime.settings) | {"NEWSBOT_SCHEDULER_TICK_SECONDS": "0.2", "TZ": "UTC"}  # a UTC machine

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True,
                              timeout=60, env=env, cwd=str(tmp_path))

    only(chat.runtime, "study_reminder")
    for month in {f"{datetime.now(SHANGHAI) + timedelta(days=days):%Y-%m}" for days in (0, 1)}:
        assert cli("study", "set", "--month", month, "本月的书").returncode == 0  # the reminder goes to the group
    assert cli("schedule", "set", "study_reminder", "second=*/2", "minute=*", "hour=*", "day=*",
               "grace=1").returncode == 0
    processes = [subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler"], env=env, cwd=str(tmp_path),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(3)]
    deadline = time.monotonic() + 60  # however slowly the processes start on a busy machine
    while chat.count(JobRun) < 4 and time.monotonic() < deadline:
        time.sleep(0.5)
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=30)
    fired = json.loads(cli("schedule", "runs", "--json").stdout)
    periods = Counter(run["period"] for run in fired)
    assert len(periods) >= 3 and set(periods.values()) == {1}  # every period once
    assert {run["outcome"] for run in fired} <= {"done", "skipped"}
    assert len(group_messages(chat.runtime)) == 1  # and the month's study reminder once, by its dedupe key


def test_schedule_cli(chat: ChatDriver, tmp_path: object) -> None:
    import json
    import subprocess
    import sys

    from tests.test_delivery import cli_env

    def cli(*args: str, command: str = "schedule") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", command, *args], capture_output=True,
                              text=True, timeout=60, env=cli_env(chat.runtime.settings), cwd=str(tmp_path))

    listed = {row["id"]: row for row in json.loads(cli("list", "--json").stdout)}
    assert listed["meeting"]["rule"] == {"day": "last fri", "hour": "15", "minute": "0"}
    assert cli("disable", "year_end").returncode == 0
    assert json.loads(cli("list", "--json").stdout)[-1]["enabled"] is False
    assert "meeting: day=last fri hour=16" in cli("set", "meeting", "hour=16", "place=二楼会议室").stdout
    assert "时间规则「day=someday」无效：day 应为 1–31" in cli("set", "meeting", "day=someday").stderr
    assert "没有日程「nope」" in cli("enable", "nope").stderr
    assert cli("runs").returncode == 0
    assert "已设置 2026-07 的学习内容" in cli("set", "--month", "2026-7", "七月的书", command="study").stdout
    assert "2026-07 学习内容：\n七月的书" in chat.as_member("zhangsan").says("学习 2026-07")
    assert "月份应写成 2026-05" in cli("set", "--month", "七月初", "书", command="study").stderr
    coming = (datetime.now(SHANGHAI).replace(day=1) + timedelta(days=32)).replace(day=1)  # as in chat: the nearest
    assert f"已设置 {coming:%Y-%m}" in cli("set", "--month", f"{coming.month}月", "下月的书", command="study").stdout
    month = f"{datetime.now(SHANGHAI):%Y-%m}"  # the command's own clock: this month's reminder asked the admins
    with chat.runtime.sessions.begin() as session:
        session.add(JobRun(schedule_id="study_reminder", period=f"{month}-01T09:00:00", claimed_by="test",
                           claimed_at=chat.runtime.clock(), outcome="done", detail="", messages=1))
    assert "已把学习内容发到工作群" in cli("set", "--month", month, "本月的书", command="study").stdout
    assert [m.dedupe_key for m in group_messages(chat.runtime)] == [f"study:{month}"]


def test_installing_or_re_enabling_does_not_send_what_was_due_before(chat: ChatDriver, cal: Calendar,
                                                                     clock: FrozenClock) -> None:
    from bot.domain import schedules

    only(chat.runtime, "monthly_report")
    with chat.runtime.sessions.begin() as session:  # installed on 06-03: the June 1 report is not "missed"
        session.get(Schedule, "monthly_report").updated_at = utc(2026, 6, 3, 4)
    clock.current = utc(2026, 6, 3, 5)
    assert cal.tick() == []
    with chat.runtime.sessions.begin() as session:
        schedules.enable(session, "monthly_report", False, utc(2026, 6, 20), None)
    with chat.runtime.sessions.begin() as session:  # off across July 1, on again on July 3
        schedules.enable(session, "monthly_report", True, utc(2026, 7, 3), None)
    clock.current = utc(2026, 7, 3, 1)
    assert cal.tick() == []
    clock.current = utc(2026, 8, 1, 1)
    assert cal.tick() == [("monthly_report", "2026-08-01T09:00:00", "done")]


def test_moving_the_reminder_later_the_same_day_reminds_no_one_twice(chat: ChatDriver, cal: Calendar,
                                                                      clock: FrozenClock) -> None:
    only(chat.runtime, "overdue_reminders")
    clock.current = datetime(2026, 5, 15, 10, tzinfo=SHANGHAI).astimezone(UTC)
    chat.as_member("xiaoli").says("投稿 待审\n正文")
    assert "已送审" in chat.as_member("lisi").says("送审 #1")
    clock.current = datetime(2026, 5, 18, 9, 30, tzinfo=SHANGHAI).astimezone(UTC)
    cal.tick()
    assert "已修改" in chat.as_member("admin").says("日程 设置 overdue_reminders hour=10 minute=0")
    clock.current = datetime(2026, 5, 18, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)
    cal.tick()
    with chat.runtime.sessions.begin() as session:
        reminders = session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.dedupe_key.like("remind:%"))).all()
    assert sorted(reminders) == ["wangwu", "zhouqi"]


def test_admin_input_is_checked(chat: ChatDriver) -> None:
    admin = chat.as_member("admin")
    assert "没有「hours」" in admin.says("日程 设置 study_reminder hours=10")
    assert "grace 应为 1 到 44640（31 天）的分钟数" in admin.says("日程 设置 study_reminder grace=0")
    assert "grace 应为 1 到 44640" in admin.says("日程 设置 study_reminder grace=99999999999999999")
    assert "永远不会触发" in admin.says("日程 设置 study_reminder month=2 day=30")
    for day in ("31", "29", "1,30"):  # a month without the day would go without its reminder, unnoticed
        assert "月末发送请写 day=last" in admin.says(f"日程 设置 study_reminder day={day}")
    assert "已修改" in admin.says("日程 设置 year_end month=12 day=31")  # one month, which has the day
    assert "下次 2028-02-29 09:00" in admin.says("日程 设置 study_reminder month=2 day=29")  # years away: the year
    assert "月末发送请写 day=last" in admin.says("日程 设置 study_reminder month=* day=30-31")
    # The 1st *and* a Monday: three months a year, though 「下次 06-01」 looked right (a calendar review).
    assert "接下来一年只在 6月、2月、3月触发：day 和 day_of_week 要同时满足。每月第一个星期一请写 day=1st_mon" in (
        admin.says("日程 设置 monthly_report day_of_week=mon"))
    assert "已修改 monthly_report" in admin.says("日程 设置 monthly_report day=1st_mon")
    assert "days_before 应为 0–30 的天数" in admin.says("日程 设置 theme_day_calls days_before=40")
    admin.says("日程 设置 meeting agenda=一、线索 二、经验")
    assert "议程：一、线索 二、经验" in admin.says("例会")
    assert "用稿动态：近一个月刊发 0 篇次。" in admin.says("例会")  # no meeting held yet
    assert "已修改 theme_day_calls" in admin.says("日程 设置 theme_day_calls days=3-5 学雷锋日;6-1 安全生产月")
    shown = admin.says("日程 设置 meeting place=局三楼会议室")  # what the notices will say, shown back
    assert "place=局三楼会议室 agenda=一、线索 二、经验" in shown
    with chat.runtime.sessions.begin() as session:
        assert session.get(Schedule, "theme_day_calls").params["days"] == [[3, 5, "学雷锋日"], [6, 1, "安全生产月"]]
    assert "主题日应写成" in admin.says("日程 设置 theme_day_calls days=三月五日")
    # As people list them: one garbled day named 「学雷锋日，4-22 …」 had replaced them all (a calendar review).
    for listed in ("3-5 学雷锋日，4-22 世界地球日，6-25 全国土地日",
                   "3月5日 学雷锋日、4月22日 世界地球日 6-25 全国土地日"):
        assert "已修改 theme_day_calls" in admin.says(f"日程 设置 theme_day_calls days={listed}")
        with chat.runtime.sessions.begin() as session:
            assert session.get(Schedule, "theme_day_calls").params["days"] == [
                [3, 5, "学雷锋日"], [4, 22, "世界地球日"], [6, 25, "全国土地日"]]
    assert "（不是「3-5 学雷锋日3-5」）" in admin.says("日程 设置 theme_day_calls days=3-5 学雷锋日3-5")
    assert "要停止主题日征稿，请发送「日程 停用 theme_day_calls」" in admin.says("日程 设置 theme_day_calls days=")
    assert "「13-40」不是一年中的日子" in admin.says("日程 设置 theme_day_calls days=13-40 不存在日")
    assert "已修改" in admin.says("日程 设置 theme_day_calls days=2-29 闰日")  # a day in leap years
    assert "day_of_week 应为 mon–sun 或 0–6" in admin.says("日程 设置 meeting day_of_week=星期五")
    assert "minute 应为 0–59" in admin.says("日程 设置 meeting minute=abc")
    assert "hour=16 minute=0" in admin.says("日程 设置 meeting_notice hour＝１６")  # typed with a Chinese keyboard
    listing = admin.says("日程")
    assert "theme_day_calls（主题日征稿）hour=9 minute=0，下次" in listing
    assert "\n  days_before=10 days=2-29 闰日\n" in listing and "place=局三楼会议室 agenda=一、线索 二、经验" in listing
    with chat.runtime.sessions.begin() as session:
        meeting = session.get(Schedule, "meeting")
        assert meeting.rule == {"day": "last fri", "hour": "15", "minute": "0"}
    assert "已设置 2026-07" in admin.says("学习 设置 2026-07 《中国共产党纪律处分条例》")


def test_month_long_theme_and_long_notices_are_cut_to_fit(chat: ChatDriver, cal: Calendar,
                                                           clock: FrozenClock) -> None:
    only(chat.runtime, "theme_day_calls", "meeting", "meeting_day_notice")
    clock.current = datetime(2026, 5, 22, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)  # 5/22 + 10 = 6/1
    cal.tick()
    assert "6月是安全生产月" in group_messages(chat.runtime)[0].payload["markdown"]["content"]
    for n in range(40):
        chat.as_member("zhangsan").says(f"线索 第{n}条线索：" + "内容" * 30)
    clock.current = datetime(2026, 5, 29, 8, 30, tzinfo=SHANGHAI).astimezone(UTC)
    cal.tick()
    notice = group_messages(chat.runtime)[-1].payload["markdown"]["content"]
    assert len(notice.encode()) <= 2000 and notice.endswith("更多线索：发送「例会」查看")


def test_a_schedule_on_day_30_from_before_the_check_can_still_change_its_grace(chat: ChatDriver) -> None:
    with chat.runtime.sessions.begin() as session:
        session.get(Schedule, "study_reminder").rule = {"day": "30", "hour": "9", "minute": "0"}
    assert "已修改" in chat.as_member("admin").says("日程 设置 study_reminder grace=600")


@pytest.mark.skipif(bool(PG_URL), reason="PostgreSQL's INTEGER column never held such a grace: the change failed")
def test_a_grace_stored_before_its_cap_still_lets_the_schedule_run(chat: ChatDriver, cal: Calendar,
                                                                   clock: FrozenClock) -> None:
    """A huge grace, accepted before 日程 设置 capped it, overflowed on every tick (a review of the day's change)."""
    only(chat.runtime, "study_reminder")
    with chat.runtime.sessions.begin() as session:
        session.get(Schedule, "study_reminder").grace_minutes = 10**15
    clock.current = utc(2026, 6, 5, 1, 0)
    assert cal.tick() == [("study_reminder", "2026-06-05T09:00:00", "done")]


def test_a_meeting_on_a_day_off_is_not_announced_and_the_admins_are_asked(chat: ChatDriver, cal: Calendar,
                                                                            clock: FrozenClock) -> None:
    """The last Friday of September 2026 is 中秋节: nobody would come to the 例会 the group is called to."""
    assert "已登记" in chat.as_member("admin").says("日程 放假 9月25日至27日 中秋节")
    only(chat.runtime, "meeting_notice", "meeting_day_notice", "meeting")
    for day in (22, 25):  # three days before, and on the day
        clock.current = utc(2026, 9, day, 1, 0)
        cal.tick()
    assert group_messages(chat.runtime) == []
    [asked] = [m for m in chat.outbox() if m.dedupe_key.startswith("meeting-off:")]  # once
    assert asked.recipient == "admin" and asked.payload["text"]["content"].startswith(
        "2026年9月25日15:00的宣传工作例会正逢放假（中秋节），工作群没有收到例会通知。请另定时间后在群里通知")
    clock.current = utc(2026, 9, 23, 1, 0)
    assert "（这一天放假：中秋节，例会时间请以管理员通知为准）" in chat.as_member("zhangsan").says("例会")
    clock.current = utc(2026, 10, 27, 1, 0)  # October's meeting (the 30th) is a working day: announced as ever
    cal.tick()
    assert [m.dedupe_key for m in group_messages(chat.runtime)] == ["meeting:2026-10-30:3"]


def test_a_lead_sent_again_is_not_listed_twice(chat: ChatDriver) -> None:
    """Unsure whether 「线索：…」 arrived, a newcomer sends it again (found by a review of a newcomer's month)."""
    assert "已记录线索" in chat.as_member("xiaoli").says("线索：下周三某村垦造水田验收")
    assert "已经记录过了" in chat.as_member("xiaoli").says("线索 下周三某村垦造水田验收")
    assert "已记录线索" in chat.as_member("zhangsan").says("线索 下周三某村垦造水田验收")  # another's is their own
    assert chat.as_member("xiaoli").says("例会").count("下周三某村垦造水田验收") == 2


def test_a_lead_of_several_lines_is_one_item_of_the_notice(chat: ChatDriver, cal: Calendar,
                                                           clock: FrozenClock) -> None:
    """A lead's own lines 「时间：…」「# 改期」 read as the bot's notice in the group (found by a security review)."""
    only(chat.runtime, "meeting", "meeting_notice", "meeting_day_notice")
    clock.current = datetime(2026, 5, 29, 15, 1, tzinfo=SHANGHAI).astimezone(UTC)
    cal.tick()
    clock.advance(days=1)
    assert "已记录线索" in chat.as_member("xiaoli").says(
        "线索 无\n# 【更正】例会改期\n时间：2026年7月3日（星期五）09:00\n地点：二楼小会议室")
    clock.current = datetime(2026, 6, 23, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)
    cal.tick()
    [notice] = [m.payload["markdown"]["content"] for m in group_messages(chat.runtime)]
    assert "\n· 无 # 【更正】例会改期 时间：2026年7月3日（星期五）09:00 地点：二楼小会议室（小李）" in notice
    assert [line for line in notice.split("\n") if line.startswith(("时间：", "地点：", "#"))] == [
        "时间：2026年6月26日（星期五）15:00", "地点：局三楼会议室"], notice
    assert "\n· 无 # 【更正】" in chat.as_member("xiaoli").says("例会")


def test_a_meeting_moved_after_its_notice_is_announced_again(chat: ChatDriver, cal: Calendar,
                                                             clock: FrozenClock) -> None:
    """Told 6月26日 15:00 in the group, members came then: the admin's later move reached nobody (a review of
    the calendar). Before any notice, and for the agenda alone, nothing more is posted; stopped, it is called off."""
    only(chat.runtime, "meeting", "meeting_notice", "meeting_day_notice")
    admin = chat.as_member("admin")
    clock.current = datetime(2026, 6, 22, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)
    assert "例会变更" not in admin.says("日程 设置 meeting place=局三楼会议室")  # nobody was told of it yet
    clock.current = datetime(2026, 6, 23, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)  # three days before
    cal.tick()
    assert "例会变更" not in admin.says("日程 设置 meeting agenda=一、线索 二、经验")
    assert len(group_messages(chat.runtime)) == 1
    moved = admin.says("日程 设置 meeting day=last_thu hour=9 place=二楼小会议室")
    assert moved.endswith("已通知的例会时间或地点有变，已在工作群发出例会变更。")
    change = group_messages(chat.runtime)[-1].payload["markdown"]["content"]
    assert change.split("\n") == ["**例会变更**", "原定6月26日 15:00的宣传工作例会改为：",
                                  "时间：2026年6月25日（星期四）09:00", "地点：二楼小会议室", "议程：一、线索 二、经验"]
    clock.advance(minutes=10)
    assert "例会变更" in admin.says("日程 设置 meeting place=局三楼会议室")  # moved back: told by the change only
    again = group_messages(chat.runtime)[-1].payload["markdown"]["content"]
    assert "原定6月25日 09:00的宣传工作例会改为：" in again and "地点：局三楼会议室" in again
    assert "已通知的例会取消，已在工作群发出。" in admin.says("日程 停用 例会")  # called off: said so too
    assert group_messages(chat.runtime)[-1].payload["markdown"]["content"] == (
        "**例会取消**\n原定6月25日 09:00的宣传工作例会取消，时间另行通知。")
    assert admin.says("日程 停用 例会") == "日程 meeting 已停用。"  # once
    assert admin.says("日程 启用 例会").endswith("已在工作群通知例会照常举行。")  # a mistake undone: said so too
    assert group_messages(chat.runtime)[-1].payload["markdown"]["content"].startswith(
        "**例会照常**\n6月25日 09:00的宣传工作例会照常举行：\n时间：2026年6月25日（星期四）09:00\n地点：局三楼会议室")
    assert admin.says("日程 启用 例会") == "日程 meeting 已启用。"  # once


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def notices_before(chat: ChatDriver, day: datetime) -> list[str]:
    return [m.payload["markdown"]["content"] for m in group_messages(chat.runtime) if m.created_at < day]


def test_a_three_day_notice_missed_while_down_goes_out_before_the_day(chat: ChatDriver, cal: Calendar,
                                                                      clock: FrozenClock) -> None:
    """Down over Tuesday 09:00 (the one firing three days before): the group first heard of Friday's meeting on
    the day. The next firing before the day posts it, counted from then."""
    only(chat.runtime, "meeting", "meeting_notice", "meeting_day_notice")
    for day, hour, minute in ((22, 18, 0), (24, 8, 0), (24, 9, 0), (25, 9, 0), (26, 8, 30)):  # down all Tuesday
        clock.current = local(2026, 6, day, hour, minute)
        cal.tick()
    heads = [post.splitlines()[0] for post in notices_before(chat, local(2026, 6, 27, 0, 0))]
    assert heads == ["**宣传工作例会通知**（2 天后）", "**宣传工作例会通知**（今天）"]


def test_a_meeting_moved_closer_is_announced_ahead_of_its_day(chat: ChatDriver, cal: Calendar,
                                                              clock: FrozenClock) -> None:
    """Moved from Friday 26th to Wednesday 24th on Monday, before Friday's notice was due: its 3-day notice had
    been due on Sunday, and the group heard of it on the day. Now Monday's 09:00 firing, caught up at 11:00."""
    only(chat.runtime, "meeting", "meeting_notice", "meeting_day_notice")
    clock.current = local(2026, 6, 22, 10, 0)
    assert "已修改" in chat.as_member("admin").says("日程 设置 meeting day=last_wed")
    for day, hour, minute in ((22, 11, 0), (23, 9, 0), (24, 8, 30)):
        clock.current = local(2026, 6, day, hour, minute)
        cal.tick()
    ahead = notices_before(chat, local(2026, 6, 24, 0, 0))
    assert len(ahead) == 1 and ahead[0].startswith("**宣传工作例会通知**（2 天后）") and "6月24日" in ahead[0]


def test_a_notice_caught_up_late_counts_the_days_from_when_it_is_posted(chat: ChatDriver, cal: Calendar,
                                                                        clock: FrozenClock) -> None:
    only(chat.runtime, "meeting", "meeting_notice")
    clock.current = local(2026, 6, 20, 10, 0)
    assert "已修改" in chat.as_member("admin").says("日程 设置 meeting_notice grace=2880")
    cal.tick()
    clock.current = local(2026, 6, 24, 8, 0)  # down from Saturday over Tuesday's 09:00, back on Wednesday
    cal.tick()
    [notice] = notices_before(chat, local(2026, 6, 27, 0, 0))
    assert notice.startswith("**宣传工作例会通知**（2 天后）") and "6月26日" in notice


def test_an_advance_notice_goes_out_once(chat: ChatDriver, cal: Calendar, clock: FrozenClock) -> None:
    """Caught up at the next firing, a notice is not posted again on the days after; a meeting moved after its
    notice is told by 例会变更, and its own notice follows on its day as ever."""
    only(chat.runtime, "meeting", "meeting_notice")
    for day in (23, 24, 25):
        clock.current = local(2026, 6, day, 9, 0)
        cal.tick()
    assert len(notices_before(chat, local(2026, 6, 27, 0, 0))) == 1
    clock.current = local(2026, 6, 25, 10, 0)  # moved to Monday 29th after its notice: 例会变更 tells of it
    assert "例会变更" in chat.as_member("admin").says("日程 设置 meeting day=last_mon")
    for day in (26, 27, 28):
        clock.current = local(2026, 6, day, 9, 0)
        cal.tick()
    heads = [post.splitlines()[0] for post in notices_before(chat, local(2026, 6, 29, 0, 0))]
    assert heads == ["**宣传工作例会通知**（3 天后）", "**例会变更**", "**宣传工作例会通知**（3 天后）"]


def test_an_advance_notice_never_goes_on_the_day_nor_twice_when_its_days_change(chat: ChatDriver, cal: Calendar,
                                                                              clock: FrozenClock) -> None:
    """A grace of a day caught Thursday's firing up on Friday, the day: 「（今天）」 twice in half an hour. And
    days_before lowered after the notice went posted a second advance notice."""
    only(chat.runtime, "meeting", "meeting_notice", "meeting_day_notice")
    clock.current = local(2026, 6, 20, 10, 0)
    assert "已修改" in chat.as_member("admin").says("日程 设置 meeting_notice grace=1440")
    for day, hour, minute in ((23, 8, 0), (26, 8, 0), (26, 8, 30)):  # down from Tuesday 08:00 to Friday 08:00
        clock.current = local(2026, 6, day, hour, minute)
        cal.tick()
    assert [p.splitlines()[0] for p in notices_before(chat, local(2026, 6, 27, 0, 0))] == [
        "**宣传工作例会通知**（今天）"]
    clock.current = local(2026, 7, 28, 9, 0)  # July's meeting (31st): its notice, then days_before=2
    cal.tick()
    clock.current = local(2026, 7, 28, 10, 0)
    assert "已修改" in chat.as_member("admin").says("日程 设置 meeting_notice days_before=2")
    clock.current = local(2026, 7, 29, 9, 0)
    cal.tick()
    july = [p for p in notices_before(chat, local(2026, 7, 31, 0, 0)) if "7月31日" in p]
    assert [p.splitlines()[0] for p in july] == ["**宣传工作例会通知**（3 天后）"]


def test_study_items_sent_again_after_a_missed_reminder_reach_the_group(chat: ChatDriver, cal: Calendar,
                                                                       clock: FrozenClock) -> None:
    """The reminder was missed beyond its grace: the same items set again go to the group (they never had them)."""
    only(chat.runtime, "study_reminder")
    clock.current = local(2026, 6, 1, 10, 0)
    chat.as_member("admin").says("学习 设置 2026-06 《习近平谈治国理政》第二卷")
    clock.current = local(2026, 6, 8, 10, 0)
    assert cal.tick() == [("study_reminder", "2026-06-05T09:00:00", "skipped")]
    assert "已把学习内容发到工作群" in chat.as_member("admin").says("学习 设置 《习近平谈治国理政》第二卷")
    assert [m.payload["markdown"]["content"].splitlines()[0] for m in group_messages(chat.runtime)] == [
        "**6月学习提醒**"]
