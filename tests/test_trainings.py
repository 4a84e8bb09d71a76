"""培训: the training record (通讯员培训台账) — recorded by admins, read by everyone, counted at the year's end."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent, Training, TrainingAttendance
from tests.conftest import ChatDriver, FrozenClock

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECORD = "培训 登记 5月8日 新闻写作培训 主讲 韶关日报记者\n张三、李四 xiaoli"


def test_an_admin_records_a_training_and_everyone_reads_the_record(chat: ChatDriver) -> None:
    reply = chat.as_member("admin").says(RECORD)
    assert reply == ("已登记培训 #1：2026年5月8日 新闻写作培训（主讲：韶关日报记者），参加 3 人：张三、李四、小李。"
                     "发送「培训」查看台账。")
    assert "已登记（培训 #1），这些人员都已在名单上，无需重复" in chat.as_member("admin").says(RECORD)  # sent twice
    chat.as_member("admin").says("培训 登记\u30002026-04-20　省厅通讯员培训班\n参加：李四")  # full-width blanks
    listing = chat.as_member("zhangsan").says("培训")
    assert listing.split("\n") == ["2026年通讯员培训 2 次：", "#2 4月20日 省厅通讯员培训班，1 人",
                                   "#1 5月8日 新闻写作培训（主讲：韶关日报记者），3 人",
                                   "您参加了 1 次。发送「培训 #编号」查看参加人员。"]
    assert chat.as_member("lisi").says("培训 2026年").endswith("您参加了 2 次。发送「培训 #编号」查看参加人员。")
    assert chat.as_member("zhangsan").says("培训 #1").split("\n") == [
        "培训 #1 2026年5月8日 新闻写作培训（主讲：韶关日报记者），参加 3 人：",
        "办公室（1 人）：张三", "规划股（1 人）：小李", "执法监察大队（1 人）：李四"]
    assert chat.as_member("zhangsan").says("培训 1") == chat.as_member("zhangsan").says("培训 #1")  # no year
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
    ("admin", "培训 登记 5月8日 新闻写作培训\n张三、王小二、赵六六", "找不到成员：王小二、赵六六。写姓名或账号"),
    ("admin", "培训 登记 2月30日 新闻写作培训\n张三", "「2月30日」不是有效的日期"),
    ("admin", "培训 登记 2027-05-08 新闻写作培训\n张三", "培训日期 2027-05-08 还没到：培训结束后再登记参加人员"),
    ("admin", "培训 登记 5月8日 " + "培" * 61 + "\n张三", "培训名称和主讲各最多 60 字"),
    ("admin", "培训 删除 三", "请写培训编号，例如：培训 删除 #3"),
    ("admin", "培训 删除 #9", "没有培训 #9"),
    ("zhangsan", "培训 #9", "没有培训 #9"),
    ("zhangsan", "培训 明年", "用法：培训 [年份｜#编号]"),
    ("zhangsan", "培训 0000", "年份应在 2000 到 2100 之间，不是「0」"),
    ("admin", "培训 登记 5月20日 新闻写作培训\n张三", "5月20日还没到。去年的请写 2025年5月20日。"),
    ("admin", "培训 登记 5月8日 新闻写作培训\n张三 王小二", "找不到成员：王小二"),
])
def test_what_培训_refuses_records_nothing(member: str, message: str, expected: str, chat: ChatDriver) -> None:
    assert expected in chat.as_member(member).says(message)
    assert chat.count(Training) == 0 and chat.count(TrainingAttendance) == 0


def test_a_date_without_a_year_is_the_last_one_that_has_been(chat: ChatDriver, clock: FrozenClock) -> None:
    clock.current = datetime(2027, 1, 5, 2, tzinfo=UTC)
    assert "已登记培训 #1：2026年12月28日" in chat.as_member("admin").says("培训 登记 12月28日 年终写作培训\n张三")
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


@pytest.mark.parametrize("heading", ["主讲 韶关日报记者", "主讲人 韶关日报记者", "主讲人：韶关日报记者",
                                     "讲师 韶关日报记者", "授课 韶关日报记者", "主讲老师：韶关日报记者"])
def test_the_speaker_however_it_is_introduced(heading: str, chat: ChatDriver) -> None:
    chat.as_member("admin").says(f"培训 登记 5月8日 新闻写作培训 {heading}\n张三")
    with chat.runtime.sessions.begin() as session:
        training = session.scalars(select(Training)).one()
        assert (training.title, training.speaker) == ("新闻写作培训", "韶关日报记者")


@pytest.mark.parametrize("names", ["参加人员：张三、李四", "参训人员：张三、李四", "张三、李四。", "张　三、李　四",
                                   "张三、李四等", "张三 李四", "参加：张三，李四等2人"])
def test_attendee_lists_as_offices_write_them(names: str, chat: ChatDriver) -> None:
    reply = chat.as_member("admin").says(f"培训 登记 5月8日 新闻写作培训\n{names}")
    assert "参加 2 人：张三、李四" in reply, reply


def test_the_same_training_again_adds_whoever_was_forgotten(chat: ChatDriver) -> None:
    admin = chat.as_member("admin")
    admin.says("培训 登记 5月8日 新闻写作培训（第一期）\n张三、李四")
    added = admin.says("培训 登记 5月8日 新闻写作培训(第一期)。\n小李、张三")  # written a little differently
    assert added == "培训 #1（2026年5月8日 新闻写作培训(第一期)）之前已登记，补登 1 人：小李，现共 3 人。"
    assert chat.count(Training) == 1 and chat.count(TrainingAttendance) == 3


def test_a_member_who_is_not_an_admin_sees_no_admin_forms_in_help(chat: ChatDriver) -> None:
    for command in ("学习", "媒体", "培训"):
        assert "管理员：" not in chat.as_member("zhangsan").says(f"帮助 {command}"), command
        assert "管理员：" in chat.as_member("admin").says(f"帮助 {command}"), command
    admin_help = chat.as_member("admin").says("帮助") + chat.as_member("admin").says("更多")
    assert "管理员：培训 登记" in admin_help and "管理员：" not in chat.as_member("zhangsan").says("帮助")


def test_two_admins_recording_one_training_at_once_make_one(chat: ChatDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other admin's training is committed between our look and our insert: the unique (day, title) refuses
    ours, and the names go to theirs — no error for the member, no second training."""
    from bot.domain import trainings

    chat.as_member("admin").says("培训 登记 5月8日 新闻写作培训\n张三")
    looked, looks = trainings._existing, []

    def missed_it(session: Session, day: date, title: str) -> Training | None:
        looks.append(title)
        return None if len(looks) == 1 else looked(session, day, title)  # theirs not committed at our first look

    monkeypatch.setattr(trainings, "_existing", missed_it)
    reply = chat.as_member("admin").says("培训 登记 5月8日 新闻写作培训\n李四")
    assert reply == "培训 #1（2026年5月8日 新闻写作培训）之前已登记，补登 1 人：李四，现共 2 人。"
    assert chat.count(Training) == 1 and chat.count(TrainingAttendance) == 2


def test_the_settlement_lists_the_periods_trainings(chat: ChatDriver, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from bot.reports import rewards_workbook

    chat.as_member("admin").says(RECORD)
    chat.as_member("admin").says("培训 登记 2026-01-15 省厅通讯员培训班\n李四")
    with chat.runtime.sessions.begin() as session:
        rewards_workbook(session, date(2026, 4, 1), date(2026, 7, 1), "2026年第2季度", date(2026, 7, 2),
                         tmp_path / "q2.xlsx")
    rows = list(load_workbook(tmp_path / "q2.xlsx")["培训"].iter_rows(values_only=True))
    assert rows == [("日期", "培训", "主讲", "人数", "参加人员"),
                    ("2026-05-08", "新闻写作培训", "韶关日报记者", 3, "张三、小李、李四")]


def test_a_training_held_yesterday_is_recorded_on_its_day(chat: ChatDriver) -> None:
    assert "已登记培训 #1：2026年5月11日" in chat.as_member("admin").says("培训 登记 昨天 新闻写作培训\n张三")
    assert "已登记培训 #2：2026年5月12日" in chat.as_member("admin").says("培训 登记 今天 摄影培训\n张三")


def test_a_name_two_members_share_is_named_as_such(chat: ChatDriver) -> None:
    import io

    from bot.domain import members

    with chat.runtime.sessions.begin() as session:
        members.import_csv(session, io.StringIO("userid,name,department,roles\nzhangsan2,张三,规划股,通讯员\n"),
                           chat.runtime.clock())
    reply = chat.as_member("admin").says("培训 登记 5月8日 新闻写作培训\n张三、王小二")
    assert reply == ("找不到成员：王小二，同名的有不止一人：张三（请写账号）。写姓名或账号，培训没有登记。"
                     "发送「成员」查看名单。")
    assert "参加 2 人" in chat.as_member("admin").says("培训 登记 5月8日 新闻写作培训\nzhangsan2、李四")
