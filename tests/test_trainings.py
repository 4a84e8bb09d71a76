"""培训: the training record (通讯员培训台账) — recorded by admins, read by everyone, counted at the year's end."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import AuditEvent, Training, TrainingAttendance
from tests.conftest import ChatDriver, FrozenClock

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECORD = "培训 登记 5月8日 新闻写作培训 主讲 韶关日报记者\n张三、李四 xiaoli"


def test_an_admin_records_a_training_and_everyone_reads_the_record(chat: ChatDriver) -> None:
    reply = chat.as_member("admin").says(RECORD)
    assert reply == ("已登记培训 #1：5月8日 新闻写作培训（主讲：韶关日报记者），参加 3 人：张三、李四、小李。"
                     "发送「培训」查看台账。")
    assert "已登记（培训 #1），无需重复" in chat.as_member("admin").says(RECORD)  # the message sent twice
    chat.as_member("admin").says("培训 登记\u30002026-04-20　省厅通讯员培训班\n参加：李四")  # full-width blanks
    listing = chat.as_member("zhangsan").says("培训")
    assert listing.split("\n") == ["2026年通讯员培训 2 次：", "#2 4月20日 省厅通讯员培训班，1 人",
                                   "#1 5月8日 新闻写作培训（主讲：韶关日报记者），3 人",
                                   "您参加了 1 次。发送「培训 #编号」查看参加人员。"]
    assert chat.as_member("lisi").says("培训 2026年").endswith("您参加了 2 次。发送「培训 #编号」查看参加人员。")
    assert chat.as_member("zhangsan").says("培训 #1").split("\n") == [
        "培训 #1 2026年5月8日 新闻写作培训（主讲：韶关日报记者）",
        "参加 3 人：张三（办公室）、小李（规划股）、李四（执法监察大队）"]
    assert chat.as_member("zhangsan").says("培训 2025") == "2025年还没有登记通讯员培训。"
    assert chat.as_member("admin").says("培训 删除 #2") == "已删除培训 #2（4月20日 省厅通讯员培训班）及其参加记录。"
    assert chat.count(Training) == 1 and chat.count(TrainingAttendance) == 3
    with chat.runtime.sessions.begin() as session:
        kept = session.scalars(select(AuditEvent.comment).where(AuditEvent.action.like("training.%"))).all()
    assert kept == ["#1 2026-05-08 新闻写作培训：张三、李四、小李", "#2 2026-04-20 省厅通讯员培训班：李四",
                    "#2 2026-04-20 省厅通讯员培训班"]


@pytest.mark.parametrize(("member", "message", "expected"), [
    ("zhangsan", RECORD, "只有管理员可以登记或删除培训"),
    ("admin", "培训 登记 新闻写作培训\n张三", "请先写培训日期，再写名称，参加人员写在第二行"),
    ("admin", "培训 登记 5月8日\n张三", "请写培训名称"),
    ("admin", "培训 登记 5月8日 新闻写作培训", "请在第二行写参加人员"),
    ("admin", "培训 登记 5月8日 新闻写作培训\n张三、王小二、赵六六", "找不到成员：王小二、赵六六（写姓名或账号"),
    ("admin", "培训 登记 2月30日 新闻写作培训\n张三", "「2月30日」不是有效的日期"),
    ("admin", "培训 登记 2027-05-08 新闻写作培训\n张三", "培训日期 2027-05-08 还没到：培训结束后再登记参加人员"),
    ("admin", "培训 登记 5月8日 " + "培" * 61 + "\n张三", "培训名称和主讲各最多 60 字"),
    ("admin", "培训 删除 三", "请写培训编号，例如：培训 删除 #3"),
    ("admin", "培训 删除 #9", "没有培训 #9"),
    ("zhangsan", "培训 #9", "没有培训 #9"),
    ("zhangsan", "培训 明年", "用法：培训 [年份｜#编号]"),
])
def test_what_培训_refuses_records_nothing(member: str, message: str, expected: str, chat: ChatDriver) -> None:
    assert expected in chat.as_member(member).says(message)
    assert chat.count(Training) == 0 and chat.count(TrainingAttendance) == 0


def test_a_date_without_a_year_is_the_last_one_that_has_been(chat: ChatDriver, clock: FrozenClock) -> None:
    clock.current = datetime(2027, 1, 5, 2, tzinfo=UTC)
    assert "已登记培训 #1：12月28日" in chat.as_member("admin").says("培训 登记 12月28日 年终写作培训\n张三")
    assert "2026年通讯员培训 1 次" in chat.as_member("zhangsan").says("培训 2026")


def test_the_year_end_post_counts_the_years_training(chat: ChatDriver, clock: FrozenClock) -> None:
    from bot.scheduler import Calendar
    from tests.test_calendar import group_messages, only

    chat.as_member("admin").says(RECORD)
    only(chat.runtime, "year_end")
    clock.current = datetime(2026, 12, 28, 10, tzinfo=SHANGHAI).astimezone(UTC)
    calendar = Calendar(chat.runtime.sessions, chat.runtime.settings, clock, worker="test")
    assert calendar.tick() == [("year_end", "2026-12-28T10:00:00", "done")]
    [post] = [m for m in group_messages(chat.runtime) if m.dedupe_key.startswith("yearend:")]
    assert "全年通讯员培训 1 次，共 3 人次参加（发送「培训 2026」查看）。" in post.payload["markdown"]["content"]
