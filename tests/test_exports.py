"""The documents the office files: the 审批表 (.docx), the reward settlement and the monthly report."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select, update

from bot import exports
from bot.domain import drafts, rewards
from bot.forms import write_approval_form
from bot.messages import Incoming
from bot.reports import rewards_workbook
from bot.runtime import Runtime
from bot.summary import write_year_summary
from models import Member
from tests.conftest import ChatDriver, FrozenClock, Mailbox
from tests.fake_wecom import FakeWeCom
from tests.test_delivery import drain, rows
from tests.test_publishing import ARTICLE, approved_draft

SHANGHAI = ZoneInfo("Asia/Shanghai")


def approval_form(runtime: Runtime, number: int, path: Path) -> tuple[str, list[list[str]]]:
    with runtime.sessions.begin() as session:
        write_approval_form(session, drafts.get(session, number), path, SHANGHAI)
    document = Document(str(path))
    return ("\n".join(p.text for p in document.paragraphs),
            [[cell.text for cell in row.cells] for table in document.tables for row in table.rows])


def settlement(runtime: Runtime, path: Path) -> dict[str, list[dict[str, object]]]:
    with runtime.sessions.begin() as session:
        rewards_workbook(session, date(2026, 1, 1), date(2027, 1, 1), "2026年", date(2026, 5, 12), path)
    book = load_workbook(path)
    sheets = {}
    for sheet in book.worksheets:
        header, *rows = list(sheet.iter_rows(values_only=True))
        sheets[sheet.title] = [dict(zip(header, row, strict=True)) for row in rows]
    return sheets


def test_the_form_names_the_version_approved_and_sent(newsroom: Runtime, mailbox: Mailbox, tmp_path: Path) -> None:
    """The editor went back to the author's text (v3 = v1): the form's text is v3, the version approved and sent."""
    chat = ChatDriver(newsroom)
    chat.as_member("zhangsan").says(f"投稿 乐昌开展世界地球日宣传\n{ARTICLE}")
    chat.as_member("lisi").says(f"修改 #1\n{ARTICLE}改")
    chat.as_member("lisi").says(f"修改 #1\n{ARTICLE}")
    chat.as_member("lisi").says("送审 #1")
    assert "（v3）" in chat.as_member("wangwu").says("批准 #1")
    chat.as_member("lisi").says("投递 #1 韶关日报")
    text, cells = approval_form(newsroom, 1, tmp_path / "f.docx")
    assert ["王五", "批准", "v3", ""] in [row[1:] for row in cells]
    assert "正文（v3，已批准版本）" in text


def test_the_form_gives_the_day_a_publication_appeared(newsroom: Runtime, clock: FrozenClock,
                                                      tmp_path: Path) -> None:
    chat = ChatDriver(newsroom)
    clock.current = datetime(2026, 4, 28, 2, tzinfo=UTC)
    approved_draft(chat)
    clock.current = datetime(2026, 5, 3, 2, tzinfo=UTC)
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://www.sgrb.example/1.html 4月30日")
    _, cells = approval_form(newsroom, 1, tmp_path / "f.docx")
    [published] = [row for row in cells if row[2:3] == ["刊发"]]
    assert published[0] == "2026-05-03 10:00" and published[4].startswith("韶关日报 2026-04-30刊发 https://")


@pytest.mark.parametrize("argv", [["report", "rewards", "--year", "2026"], ["report", "monthly", "--month", "2026-05"],
                                  ["drafts", "form", "1"]])
def test_a_failed_export_leaves_the_earlier_file_whole(argv: list[str], newsroom: Runtime, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import main

    approved_draft(ChatDriver(newsroom))
    (tmp_path / "exports").mkdir()
    output = tmp_path / "exports" / "out.bin"
    output.write_bytes(b"the settlement exported last quarter")
    real, calls = zipfile.ZipFile.writestr, [0]

    def disk_full(self: zipfile.ZipFile, *args: object, **kwargs: object) -> None:
        calls[0] += 1
        if calls[0] > 2:
            raise OSError(28, "No space left on device")
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", newsroom.settings.database_url)
    assert main([*argv, "-o", str(output)]) == 2
    assert output.read_bytes() == b"the settlement exported last quarter"
    assert [p.name for p in output.parent.iterdir()] == ["out.bin"]  # no temporary file left behind


def test_the_printed_monthly_report_is_what_统计_answers(newsroom: Runtime, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    chat = ChatDriver(newsroom)
    approved_draft(chat)
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", newsroom.settings.database_url)
    assert main(["report", "monthly", "--month", "5月"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("2026年5月：投稿 1 篇") and "2026年5月没有投稿的部门：地籍股" in printed
    assert printed.strip() == chat.as_member("admin").says("统计 2026-05")


def test_the_settlement_keeps_titles_as_written_and_adds_up_person_by_person(newsroom: Runtime,
                                                                            tmp_path: Path) -> None:
    """A title beginning with - is no formula and keeps its text; one beginning with = is shown, never run.
    With an editor's share, the article rows add up to 个人 (and so to 排行)."""
    chat = ChatDriver(newsroom)
    with newsroom.sessions.begin() as session:
        rewards.change(session, {"editor_share": "0.2"}, None, datetime(2026, 5, 12, tzinfo=UTC))
    approved_draft(chat, title="-30℃寒潮中的地灾巡查")
    approved_draft(chat, title="=HYPERLINK(\"http://evil.example\")")
    chat.as_member("zhangsan").says("刊发 #1 南方网 https://news.southcn.example/1.html")
    chat.as_member("zhangsan").says("刊发 #2 韶关日报 https://www.sgrb.example/2.html")
    sheets = settlement(newsroom, tmp_path / "r.xlsx")
    assert [row["标题"] for row in sheets["稿件"]] == ["-30℃寒潮中的地灾巡查", "=HYPERLINK(\"http://evil.example\")"]
    assert load_workbook(tmp_path / "r.xlsx")["稿件"]["B3"].data_type == "s"
    people = {row["姓名"]: row["积分"] for row in sheets["个人"]}
    by_person: dict[str, float] = {}
    for row in sheets["稿件"]:
        by_person[str(row["作者"])] = by_person.get(str(row["作者"]), 0) + float(row["作者积分"])  # type: ignore[arg-type]
        by_person[str(row["编辑"])] = by_person.get(str(row["编辑"]), 0) + float(row["编辑积分"])  # type: ignore[arg-type]
    assert people == {"张三": 6.4, "李四": 1.6} or people == {"张三": 6.4, "赵六": 0.6, "李四": 1.0}, people
    assert {name: round(points, 6) for name, points in by_person.items() if points} == people


def saved(runtime: Runtime) -> dict[str, bytes]:
    folder = Path(runtime.settings.exports_dir)
    return {path.name: path.read_bytes() for path in folder.iterdir()} if folder.exists() else {}


def test_导出_and_审批表_in_chat_save_the_files_in_local_mode(newsroom: Runtime, tmp_path: Path) -> None:
    """Without WeCom the file is saved where the reply says; each request is a file of the data as it is."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 第3版")
    reply = chat.as_member("admin").says("导出 2026Q2")
    assert reply == (f"正在生成《2026年第2季度用稿奖励表》。未配置企业微信应用（本地模式），文件不发送，"
                     f"保存在服务器的 {newsroom.settings.exports_dir} 目录。")
    assert saved(newsroom) == {}  # built by the dispatcher, never inside the callback
    drain(newsroom)
    chat.as_member("admin").says("导出 2026Q2")
    assert "《2026-05统计表》" in chat.as_member("admin").says("导出 2026-05")
    assert "稿件 #1《乐昌开展世界地球日宣传》的审批表" in chat.as_member("wangwu").says("审批表 #1")
    drain(newsroom)
    files = saved(newsroom)
    assert sorted(files) == ["2026-05统计表.xlsx", "2026年第2季度用稿奖励表-2.xlsx", "2026年第2季度用稿奖励表.xlsx",
                             "审批表-1-乐昌开展世界地球日宣传.docx"]
    for name in ("2026年第2季度用稿奖励表.xlsx", "2026-05统计表.xlsx"):
        (tmp_path / name).write_bytes(files[name])
    [article] = list(load_workbook(tmp_path / "2026年第2季度用稿奖励表.xlsx")["稿件"].iter_rows(min_row=2,
                                                                                          values_only=True))
    assert article[1] == "乐昌开展世界地球日宣传" and article[7] == "第3版" and article[8] == 3
    month = load_workbook(tmp_path / "2026-05统计表.xlsx")["概况"]
    assert next(month.iter_rows(min_row=2, values_only=True))[:2] == ("2026-05", 1)
    (tmp_path / "form.docx").write_bytes(files["审批表-1-乐昌开展世界地球日宣传.docx"])
    assert "新闻稿件审批表" in Document(str(tmp_path / "form.docx")).paragraphs[0].text


@pytest.mark.parametrize(("member", "message", "expected"), [
    ("zhangsan", "导出 2026", "需要管理员角色"),
    ("admin", "导出 明年", "「明年」不是年份、季度或月份。例如：导出 2026（全年用稿奖励表）、导出 2026Q3 或 上季度"),
    ("admin", "导出 2027", "2027年还没有开始，没有可导出的数据。例如：导出 2026"),
    ("admin", "导出 2026Q3", "2026年第3季度还没有开始"),
    ("admin", "导出 下月", "2026年6月还没有开始"),
    ("zhangsan", "审批表 #1", "需要编辑"),  # the office files the form; the author asks the editor
    ("zhaoliu", "审批表 #1", "您不是稿件 #1 的编辑或审核人，无权导出它的审批表。"),  # lisi edits #1
    ("wangwu", "审批表 #1 发我邮箱", "「审批表」后只写稿件编号，这条没有执行（多写了「发我邮箱」）"),
    ("wangwu", "审批表 #9", "没有稿件 #9"),
    ("wangwu", "审批单 #1", "审批表 #1"),  # a near word is suggested, never run
])
def test_what_导出_and_审批表_refuse(member: str, message: str, expected: str, newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    assert expected in chat.as_member(member).says(message)
    drain(newsroom)
    assert saved(newsroom) == {}


def test_a_file_asked_for_goes_to_the_member_through_wecoms_media_upload(live: Runtime, fake_wecom: FakeWeCom,
                                                                        clock: FrozenClock, tmp_path: Path) -> None:
    """Uploaded as a file (multipart, its Chinese name), then sent as the member's file message; a busy WeCom
    is retried, and the file goes out once."""
    chat = ChatDriver(live)
    assert chat.as_member("admin").says("导出 2026") == "正在生成《2026年用稿奖励表》，稍后以文件发给您。"
    fake_wecom.fail("media/upload", -1)
    drain(live)
    assert fake_wecom.of("media/upload", accepted_only=True) == [] and fake_wecom.of("message/send") == []
    clock.advance(seconds=10)
    drain(live)
    [upload] = fake_wecom.of("media/upload", accepted_only=True)
    assert upload.params["type"] == "file" and upload.body is not None
    assert upload.body["media"]["filename"] == "2026年用稿奖励表.xlsx"
    [sent] = [c.body for c in fake_wecom.of("message/send", accepted_only=True) if c.body]
    assert sent["touser"] == "admin" and sent["msgtype"] == "file"
    _, filename, data = fake_wecom.media[sent["file"]["media_id"]]
    (tmp_path / filename).write_bytes(data)
    assert [sheet.title for sheet in load_workbook(tmp_path / filename).worksheets] == [
        "稿件", "个人", "部门", "培训", "规则"]
    assert saved(live) == {}  # sent, not saved


def test_a_file_wecom_cannot_take_is_reported_to_the_member_and_the_admins(
        live: Runtime, fake_wecom: FakeWeCom, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "WECOM_FILE_MAX", 1000)  # a year of a busy office: more than WeCom's 20 MB
    chat = ChatDriver(live)
    chat.as_member("admin").says("导出 2026-05")
    drain(live)
    assert fake_wecom.of("media/upload") == []
    member, admins = [c.body["text"]["content"] for c in fake_wecom.of("message/send") if c.body]
    assert member.startswith("抱歉，您要的文件未能发出，已通知管理员。原因：文件「2026-05统计表.xlsx」有")
    assert "超过企业微信 20 MB 的上限" in member
    assert admins.startswith("一条消息发送失败") and "发给 admin 的文件（月度统计表）" in admins


def test_a_retry_sends_the_same_upload_so_wecom_drops_a_second_file(live: Runtime, fake_wecom: FakeWeCom,
                                                                    clock: FrozenClock) -> None:
    """message/send hangs: it may have arrived. The retry sends the same media_id (WeCom's duplicate check), and
    neither builds nor uploads the file again."""
    ChatDriver(live).as_member("admin").says("导出 上季度")
    fake_wecom.fail("message/send", "hang")
    drain(live)
    clock.advance(seconds=30)
    drain(live)
    assert len(fake_wecom.of("media/upload", accepted_only=True)) == 1
    sends = [c.body["file"]["media_id"] for c in fake_wecom.of("message/send") if c.body]
    assert len(sends) == 2 and sends[0] == sends[1]
    assert fake_wecom.media[sends[0]][1] == "2026年第1季度用稿奖励表.xlsx"  # 上季度 on 12 May


def test_a_file_is_built_only_for_a_member_who_may_still_have_it(live: Runtime, fake_wecom: FakeWeCom) -> None:
    from models import Member

    chat = ChatDriver(live)
    chat.as_member("admin").says("导出 2026")
    with live.sessions.begin() as session:  # the admin left the office meanwhile (members sync)
        session.scalars(select(Member).where(Member.userid == "admin")).one().active = False
    drain(live)
    assert fake_wecom.of("media/upload") == []
    assert [row.last_error for row in rows(live) if row.channel == exports.EXPORT_JOB] == [
        "admin 要文件之后已停用或不再有相应角色，文件没有发出。"]


def test_an_exports_folder_that_cannot_be_written_is_named_at_once(newsroom: Runtime) -> None:
    Path(newsroom.settings.exports_dir).write_text("a file where the folder should be")
    chat = ChatDriver(newsroom)
    chat.as_member("admin").says("导出 本月")
    drain(newsroom)
    [row] = [row for row in rows(newsroom) if row.channel == exports.EXPORT_JOB]
    assert row.attempts == 1 and row.last_error is not None
    assert row.last_error.startswith(f"文件无法保存到 {newsroom.settings.exports_dir}（")
    assert "请运维人员检查 NEWSBOT_EXPORTS_DIR 所指的目录" in row.last_error


@pytest.mark.parametrize(("words", "title"), [
    ("今年", "2026年用稿奖励表"), ("去年", "2025年用稿奖励表"), ("本季度", "2026年第2季度用稿奖励表"),
    ("上季度", "2026年第1季度用稿奖励表"), ("本月", "2026-05统计表"), ("上月", "2026-04统计表"),
    ("", "2026年用稿奖励表"), ("2026年5月", "2026-05统计表")])
def test_导出_reads_the_periods_people_say(words: str, title: str, newsroom: Runtime) -> None:
    assert f"《{title}》" in ChatDriver(newsroom).as_member("admin").says(f"导出 {words}")


def test_from_the_ai_bot_the_reply_says_the_app_sends_the_file(live: Runtime) -> None:
    reply = live.commands.handle(Incoming("aibot", "admin", "aibot:1", text="导出 2026"))
    assert reply is not None and "稍后由企业微信应用以文件发给您，请在应用的消息中查收" in reply.text


def test_the_settlement_and_the_summary_mark_a_member_who_left_as_排行_does(chat: ChatDriver, tmp_path: Path) -> None:
    """评选 and paying read these two: one who left was shown as any other member (排行 marks them)."""
    approved_draft(chat)
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://www.sgrb.example/1.html")
    with chat.runtime.sessions.begin() as session:
        session.execute(update(Member).where(Member.userid == "zhangsan").values(active=False))
    assert "张三（办公室，已停用）3 分" in chat.as_member("admin").says("排行 2026")
    people = settlement(chat.runtime, tmp_path / "2026.xlsx")["个人"]
    assert [(row["姓名"], row["备注"]) for row in people] == [("张三", "已停用")]
    with chat.runtime.sessions.begin() as session:
        write_year_summary(session, 2026, date(2026, 5, 12), SHANGHAI, tmp_path / "summary.docx")
    cells = [[cell.text for cell in row.cells] for table in Document(str(tmp_path / "summary.docx")).tables
             for row in table.rows]
    assert ["1", "张三（已停用）", "办公室", "3", "1"] in cells
