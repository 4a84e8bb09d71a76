"""Practices of the office's own account (lechang-publicity-work-2019.txt) run over a year through the chat and the
calendar. Found by a review: each docstring says what a user does, what happened, and what should happen."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.scheduler import Calendar
from tests.conftest import ChatDriver, FrozenClock
from tests.test_calendar import group_messages, only

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def cal(chat: ChatDriver, clock: FrozenClock) -> Calendar:
    return Calendar(chat.runtime.sessions, chat.runtime.settings, clock, worker="test")


def year_end_post(chat: ChatDriver) -> str:
    [post] = [m for m in group_messages(chat.runtime) if m.dedupe_key.startswith("yearend:")]
    return str(post.payload["markdown"]["content"])


def test_the_march_training_reminder_knows_the_training_already_held_this_year(
        chat: ChatDriver, cal: Calendar, clock: FrozenClock) -> None:
    """「每年均会邀请省、市上级主管部门经验丰富的宣传工作者前来该局开展通讯员培训」: in 2027 the 省厅 trainer came on
    February 26 and the admin recorded it (培训 登记 2月26日 …). On March 1 every admin still reads 「请安排2027年的
    培训（时间、主讲人、内容）」, as if the year had none: the reminder ignores the record it asks them to keep.
    Expected: it names the training already recorded this year, and asks only about any further one."""
    only(chat.runtime, "training_reminder")
    clock.current = local(2027, 2, 26, 17, 0)
    recorded = chat.as_member("admin").says("培训 登记 2月26日 省厅通讯员培训班 主讲 省厅宣传处\n张三、李四")
    assert "已登记培训 #1" in recorded
    clock.current = local(2027, 3, 1, 9, 0)
    assert cal.tick() == [("training_reminder", "2027-03-01T09:00:00", "done")]
    [asked] = [m.payload["text"]["content"] for m in chat.outbox() if m.dedupe_key.startswith("training:")]
    assert "请安排2027年的培训（时间、主讲人、内容）" not in asked, asked
    assert "2027年已登记通讯员培训 1 次：2月26日 省厅通讯员培训班" in asked, asked


def test_the_year_end_post_says_when_the_year_had_no_training(chat: ChatDriver, cal: Calendar,
                                                              clock: FrozenClock) -> None:
    """The yearly 通讯员培训 (每年均会邀请…开展通讯员培训) did not happen in 2026: the March reminder was not acted on
    and nothing was recorded. The year-end post, the one report the whole group reads, counts a year's trainings
    when there were some and says nothing when there were none, so the missed yearly step goes unremarked (the
    admins' 导出 总结 does say 「全年没有登记通讯员培训」). Expected: the post says so too."""
    only(chat.runtime, "year_end")
    clock.current = local(2026, 12, 28, 10, 0)
    assert cal.tick() == [("year_end", "2026-12-28T10:00:00", "done")]
    assert "全年没有登记通讯员培训" in year_end_post(chat)


def test_the_year_end_post_counts_the_theme_days_series_the_call_promised(chat: ChatDriver, cal: Calendar,
                                                                          clock: FrozenClock) -> None:
    """用好主题宣传 (学雷锋日, 土地日, …): the call for drafts tells the group 「投稿后发送「专题 #编号 学雷锋日」归入
    主题宣传，年终统计」. 张三 does so and the article is published. At the year's end the group's post has the ranking,
    the trainings and the articles, but no word of the 主题宣传 series the members were asked to file their drafts
    under for that count. Expected: the year-end post gives each series' drafts and publications of the year."""
    clock.current = local(2026, 2, 1, 9, 0)
    only(chat.runtime, "theme_day_calls", "year_end")
    clock.current = local(2026, 2, 23, 9, 0)
    cal.tick()  # 学雷锋日征稿, which opens the series
    clock.current = local(2026, 3, 5, 10, 0)
    text = "今天，乐昌市国土资源局开展学雷锋活动。" * 8
    chat.as_member("zhangsan").says(f"投稿 乐昌国土局开展学雷锋志愿服务活动\n{text}")
    assert "已归入专题「学雷锋日」" in chat.as_member("zhangsan").says("专题 #1 学雷锋日")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1")
    chat.as_member("lisi").says("刊发 #1 韶关日报 https://www.sgrb.example/2026/1.html")
    clock.current = local(2026, 12, 28, 10, 0)
    cal.tick()
    assert "专题（主题宣传、系列报道）：学雷锋日 投稿 1 篇、刊发 1 篇" in year_end_post(chat), year_end_post(chat)
