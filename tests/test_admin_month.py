"""The admin's first month and the calendar's edges of time. Found by a review: each docstring says what went
wrong before."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.scheduler import Calendar
from tests.conftest import ChatDriver, FrozenClock
from tests.test_calendar import group_messages, only
from tests.test_cli import Cli, cli  # noqa: F401  (the fixture)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_month_end_report_set_as_the_bot_advises_reports_the_month_ending(chat: ChatDriver,
                                                                            clock: FrozenClock) -> None:
    """The admin wants the 月报 on the month's last afternoon; day=31 is refused with 「月末发送请写 day=last」.
    Following that advice, the report of May 31 17:00 should be May's — it is April's (a month already reported
    on May 1, so in a running office its dedupe key makes it send nothing, and May's comes a month late)."""
    clock.current = utc(2026, 5, 12, 2)
    only(chat.runtime, "monthly_report")
    calendar = Calendar(chat.runtime.sessions, chat.runtime.settings, clock, worker="test")
    chat.as_member("zhangsan").says("投稿 五月的稿件\n正文")
    assert "月末发送请写 day=last" in chat.as_member("admin").says("日程 设置 monthly_report day=31 hour=17")
    assert "下次 05-31 17:00" in chat.as_member("admin").says("日程 设置 monthly_report day=last hour=17")
    clock.current = utc(2026, 5, 31, 9, 0, 5)  # 17:00:05 in Shanghai
    assert calendar.tick() == [("monthly_report", "2026-05-31T17:00:00", "done")]
    [report] = group_messages(chat.runtime)
    assert "2026年5月宣传工作月报（截至5月31日）" in report.payload["markdown"]["content"]


def test_moving_the_study_reminder_to_a_day_already_past_loses_the_months_study(chat: ChatDriver,
                                                                                 clock: FrozenClock) -> None:
    """On May 3 the admin moves the study reminder to the 2nd (a day past this month): the reply says only
    「下次 06-02」. May's reminder never fires, and May's items set on the 10th are kept but never reach the group
    (studying.set_items posted late items only after a firing of the month): 每月学习制度 skips May without a word."""
    clock.current = utc(2026, 5, 3, 2)
    only(chat.runtime, "study_reminder")
    calendar = Calendar(chat.runtime.sessions, chat.runtime.settings, clock, worker="test")
    moved = chat.as_member("admin").says("日程 设置 study_reminder day=2")
    assert ("注意：按新规则，本月的 05-02 09:00 已过，本月不再发送；本月学习内容用「学习 设置」设置后会直接发到工作群。"
            in moved), moved
    clock.current = utc(2026, 5, 10, 2)
    reply = chat.as_member("admin").says("学习 设置 本月 《习近平谈治国理政》第二卷第三章")
    while clock.current < utc(2026, 5, 31, 12):
        clock.advance(hours=6)
        calendar.tick()
    posts = [m.dedupe_key for m in group_messages(chat.runtime)]
    assert "本月学习提醒日已过，已把学习内容发到工作群" in reply
    assert [key for key in posts if key.startswith("study:")] == ["study:2026-05"], posts


def test_a_one_off_date_that_has_passed_is_refused_as_if_it_were_february_30(chat: ChatDriver) -> None:
    """An admin re-places this year's meeting on a day already past (typing the date in full): the refusal
    says the rule can never fire, 「比如 2 月 30 日」, and not that the date has passed or what to write."""
    reply = chat.as_member("admin").says("日程 设置 meeting year=2026 month=5 day=8")  # today is 2026-05-12
    assert reply == ("这个时间（2026-05-08 15:00）已过，没有修改。"
                     "请写今后的日期，或去掉 year（每年）、month（每月）。"), reply


def test_members_import_with_roles_split_by_a_comma_says_how_to_write_them(cli: Cli,  # noqa: F811
                                                                           tmp_path: Path) -> None:
    """The admin writes two roles as people do, 编辑,通讯员: the refusal counts columns (「应有 4 列，实际 5 列」)
    and never says that several roles are written 编辑|通讯员 (README: errors say what to type instead)."""
    path = tmp_path / "members.csv"
    path.write_text("userid,name,department,roles\nadmin,钱主任,办公室,管理员\nzhoushi,周十,测绘股,编辑,通讯员\n",
                    encoding="utf-8")
    result = cli("members", "import", str(path))
    assert result.returncode == 2
    assert "多个角色用 | 分隔写在同一列，例如 编辑|通讯员" in result.stderr, result.stderr


def test_the_listing_gives_the_next_催办_on_a_working_day(chat: ChatDriver, clock: FrozenClock) -> None:
    """催办 fires daily and chases nobody on a day off: the listing said its next run was on a Sunday."""
    clock.current = utc(2026, 5, 15, 2)  # Friday 10:00 in Shanghai
    admin = chat.as_member("admin")

    def next_催办() -> str:
        return next(line for line in admin.says("日程").splitlines() if line.startswith("overdue_reminders"))

    assert "下次 05-18 09:30" in next_催办()  # Monday, not Saturday
    admin.says("日程 放假 5月18日 调休")
    assert "下次 05-19 09:30" in next_催办()


def test_the_members_usage_says_how_to_mark_one_who_left(chat: ChatDriver) -> None:
    assert "有人离开宣传队伍：成员 角色 zhangsan 无（稿件和积分记录都保留）" in chat.as_member("admin").says("成员")
