"""导出 总结: the year in figures for the office's annual summary (年度宣传工作总结), as a Word document."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from bot.runtime import Runtime
from bot.summary import write_year_summary
from models import JobRun
from tests.conftest import ChatDriver, FrozenClock
from tests.test_delivery import drain
from tests.test_exports import saved
from tests.test_publishing import ARTICLE, approved_draft

SHANGHAI = ZoneInfo("Asia/Shanghai")


def summary(runtime: Runtime, year: int, today: date, path: Path) -> tuple[str, list[list[str]]]:
    with runtime.sessions.begin() as session:
        write_year_summary(session, year, today, SHANGHAI, path)
    return read(path)


def read(path: Path) -> tuple[str, list[list[str]]]:
    document = Document(str(path))
    return ("\n".join(p.text for p in document.paragraphs),
            [[cell.text for cell in row.cells] for table in document.tables for row in table.rows])


def a_year_of_work(runtime: Runtime, clock: FrozenClock) -> ChatDriver:
    """Two articles (one on a front page, in a series), a training, two months of study, a lead, a meeting."""
    chat = ChatDriver(runtime)
    admin = chat.as_member("admin")
    admin.says("专题 添加 垦造水田")
    first = approved_draft(chat, "垦造水田项目通过验收")
    chat.as_member("zhangsan").says(f"专题 #{first} 垦造水田")
    chat.as_member("lisi").says(f"投递 #{first} 韶关日报 南方网")
    drain(runtime)
    chat.as_member("zhangsan").says(f"刊发 #{first} 韶关日报 第1版")
    second = approved_draft(chat, "规划股开展土地日宣传", ARTICLE + "规划股", author="xiaoli")
    chat.as_member("xiaoli").says(f"刊发 #{second} 南方网 https://www.southcn.example/2026/0512/2.html")
    chat.as_member("xiaoli").says("投稿 还在修改的稿件\n正文")  # submitted, never published
    chat.as_member("xiaoli").says("投稿 测试一下\n正文")
    assert "已撤回" in chat.as_member("xiaoli").says("撤回 #4")  # a test: no submission of the year
    admin.says("培训 登记 4月20日 新闻写作培训 主讲 省厅宣传处\n张三、小李、李四")
    admin.says("学习 设置 2026-04 《习近平谈治国理政》第二卷")
    admin.says("学习 设置 2026-05 《新时代公务员不忘初心、牢记使命》")
    chat.as_member("zhangsan").says("线索 坪石镇垦造水田项目下月验收")
    with runtime.sessions.begin() as session:
        session.add(JobRun(schedule_id="meeting", period="2026-04-24T15:00", claimed_by="test",
                           claimed_at=clock(), outcome="done"))
    return chat


def test_the_summary_gives_the_years_figures_in_the_order_of_the_offices_report(newsroom: Runtime,
                                                                                clock: FrozenClock,
                                                                                tmp_path: Path) -> None:
    a_year_of_work(newsroom, clock)
    text, cells = summary(newsroom, 2026, date(2026, 5, 12), tmp_path / "s.docx")
    assert "2026年度宣传工作总结（数据素材）" in text and "数据截至5月12日" in text
    assert "全年投稿 3 篇，批准 2 篇，投递 2 次，刊发 2 篇次" in text
    assert ("刊发稿件 2 篇，其中头版（头条）1 篇次，中央、省、市级媒体（大报大台大刊大网）2 篇次；"
            "按媒体级别：省级 1 篇次、市级 1 篇次。") in text
    # 南方网 published #2, which the author sent; it has not used the e-mail of #1 (yet)
    assert ["省级", "1", "1", "0%"] in cells and ["市级", "1", "1", "100%"] in cells
    assert ["韶关日报", "1", "1", "100%"] in cells
    assert "全年没有投稿的部门：地籍股、执法监察大队。" in text  # 李四 edits, and wrote nothing
    assert ["垦造水田", "1", "1"] in cells
    assert "现有通讯员 3 名，分布在 3 个部门；尚未推荐通讯员的部门：地籍股。" in text
    assert "按日程召开宣传工作例会 1 次，收集新闻线索 1 条。" in text
    assert "全年开展通讯员培训 1 次，共 3 人次参加。" in text
    assert ["2026-04-20", "新闻写作培训", "省厅宣传处", "3"] in cells
    assert "全年 2 个月安排了学习内容。" in text and ["2026-04", "《习近平谈治国理政》第二卷"] in cells
    assert "全年编辑修改 0 次，退回作者 0 次，送审 2 次，审核退回 0 次，批准 2 次，作者撤回 1 篇。" in text
    headings = [line for line in text.splitlines() if line[:2] in ("一、", "二、", "三、", "四、", "五、")]
    assert headings == ["一、理论学习（每月学习制度）", "二、新闻宣传", "三、队伍建设", "四、审稿把关（层层把关）",
                        "五、刊发稿件清单（用稿反馈）"]  # the order of the office's own summary
    ranking = [row for row in cells if row[0] == "1" and len(row) == 5]
    assert ranking and ranking[0][1:3] == ["张三", "办公室"]
    assert ["#1", "垦造水田项目通过验收", "张三", "办公室", "韶关日报（头版）", "05-12", "第1版"] in cells
    assert ["#2", "规划股开展土地日宣传", "小李", "规划股", "南方网", "05-12",
            "https://www.southcn.example/2026/0512/2.html"] in cells


def test_a_year_with_nothing_recorded_says_so(newsroom: Runtime, tmp_path: Path) -> None:
    text, cells = summary(newsroom, 2025, date(2026, 5, 12), tmp_path / "s.docx")
    assert "数据截至" not in text  # the year is over
    assert "全年投稿 0 篇" in text
    assert "刊发稿件 0 篇，其中头版（头条）0 篇次，中央、省、市级媒体（大报大台大刊大网）0 篇次。" in text
    for said in ("全年没有稿件归入专题。", "全年没有登记通讯员培训。", "全年 0 个月安排了学习内容。",
                 "全年还没有刊发的稿件。"):
        assert said in text
    assert "按媒体" not in text and "按部门" not in text  # no empty tables
    assert cells[-1] == ["编号", "标题", "作者", "部门", "刊发媒体", "日期", "链接或版面"]  # the list, empty


def test_导出_总结_in_chat_saves_the_document_and_the_cli_writes_the_same(newsroom: Runtime, clock: FrozenClock,
                                                                       tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import main

    chat = a_year_of_work(newsroom, clock)
    assert "正在生成《2026年度宣传工作总结（数据素材）》" in chat.as_member("admin").says("导出 总结 2026")
    drain(newsroom)
    (tmp_path / "chat.docx").write_bytes(saved(newsroom)["2026年度宣传工作总结数据.docx"])
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", newsroom.settings.database_url)
    monkeypatch.setattr("bot.cli.office.office_today", lambda runtime: date(2026, 5, 12))
    assert main(["report", "summary", "--year", "2026", "-o", str(tmp_path / "cli.docx")]) == 0
    assert read(tmp_path / "chat.docx") == read(tmp_path / "cli.docx")
    assert main(["report", "summary", "--year", "2027", "-o", str(tmp_path / "next.docx")]) == 2  # as chat refuses
    assert not (tmp_path / "next.docx").exists()


@pytest.mark.parametrize(("words", "expected"), [
    ("总结", "《2025年度宣传工作总结（数据素材）》"),  # in May, the year that closed
    ("总结 2026", "《2026年度宣传工作总结（数据素材）》"),
    ("2026 年度总结", "《2026年度宣传工作总结（数据素材）》"),
    ("工作总结 去年", "《2025年度宣传工作总结（数据素材）》"),
    ("总结 2026Q3", "总结按全年生成，请写年份，例如：导出 总结 2026"),
    ("总结 2026Q4", "总结按全年生成，请写年份，例如：导出 总结 2026"),
    ("总结 明年", "「明年」不是年份。总结按全年生成，例如：导出 总结 2025"),
    ("总结 2026-05", "「2026-05」不是年份。"),
    ("2025年度宣传工作总结", "《2025年度宣传工作总结（数据素材）》"),  # the document by its own name
    ("年度宣传工作总结", "《2025年度宣传工作总结（数据素材）》"),
    ("宣传总结 2025", "《2025年度宣传工作总结（数据素材）》"),
    ("年终总结 2026", "《2026年度宣传工作总结（数据素材）》"),
    ("上年度总结", "《2025年度宣传工作总结（数据素材）》"),
    ("去年度总结", "《2025年度宣传工作总结（数据素材）》"),
    ("今年总结", "《2026年度宣传工作总结（数据素材）》"),
    ("总结 本月", "「本月」不是年份。总结按全年生成，例如：导出 总结 2025"),  # what was typed, as typed
    ("总结 1999", "年份应在 2000 到 2100 之间，不是「1999」"),
    ("总结 2027", "2027年还没有开始，没有可总结的数据。"),
])
def test_导出_总结_reads_the_year(words: str, expected: str, newsroom: Runtime) -> None:
    assert expected in ChatDriver(newsroom).as_member("admin").says(f"导出 {words}")


def test_only_admins_get_the_summary(newsroom: Runtime) -> None:
    assert "需要管理员角色" in ChatDriver(newsroom).as_member("wangwu").says("导出 总结 2026")
    drain(newsroom)
    assert saved(newsroom) == {}


def test_the_year_end_post_and_the_summary_close_the_same_year() -> None:
    from bot.domain.periods import closing_year

    assert [closing_year(day) for day in (date(2026, 12, 28), date(2027, 1, 2), date(2027, 6, 30),
                                          date(2027, 7, 1))] == [2026, 2026, 2026, 2027]


def test_no_two_tables_touch_and_each_ranking_has_its_title(newsroom: Runtime, clock: FrozenClock,
                                                             tmp_path: Path) -> None:
    """Word shows two tables with nothing between them as one: the departments would read as correspondents."""
    a_year_of_work(newsroom, clock)
    text, _ = summary(newsroom, 2026, date(2026, 5, 12), tmp_path / "s.docx")
    tags = [element.tag.rsplit("}", 1)[1] for element in Document(str(tmp_path / "s.docx")).element.body]
    assert not any(a == b == "tbl" for a, b in pairwise(tags)), tags
    assert "通讯员用稿积分排行" in text and "部门用稿积分排行" in text


def test_a_department_whose_only_draft_was_withdrawn_submitted_nothing(newsroom: Runtime, tmp_path: Path) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat, "正式稿件")
    chat.as_member("xiaoli").says("投稿 测试一下\n正文")
    assert "已撤回" in chat.as_member("xiaoli").says("撤回 #2")
    text, _ = summary(newsroom, 2026, date(2026, 5, 12), tmp_path / "s.docx")
    assert "全年投稿 1 篇" in text and "全年没有投稿的部门：地籍股、执法监察大队、规划股。" in text
    assert "2026年5月：投稿 1 篇" in chat.as_member("admin").says("统计")  # the month's figures, the same way


def test_the_offices_own_account_is_no_mainstream_outlet(newsroom: Runtime, tmp_path: Path) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    assert "刊发" in chat.as_member("zhangsan").says("刊发 #1 公众号 https://mp.example/s/1")
    text, _ = summary(newsroom, 2026, date(2026, 5, 12), tmp_path / "s.docx")
    assert "中央、省、市级媒体（大报大台大刊大网）0 篇次；按媒体级别：本单位新媒体 1 篇次。" in text
    assert "按媒体级别（大报大台大刊大网）" not in text


@pytest.mark.parametrize(("words", "name"), [("上季度", "2026年第1季度"), ("去年", "2025年"), ("今年", "2026年"),
                                             ("上月", "2026年4月"), ("本季度", "2026年第2季度"), ("本月", "2026年5月")])
def test_统计_reads_the_periods_导出_reads(words: str, name: str, newsroom: Runtime) -> None:
    assert ChatDriver(newsroom).as_member("admin").says(f"统计 {words}").startswith(f"{name}：投稿")


def test_排行_and_积分_read_years_and_quarters_by_today(newsroom: Runtime) -> None:
    admin = ChatDriver(newsroom).as_member("admin")
    assert "2025年还没有刊发的稿件" in admin.says("排行 去年")
    assert "2026年第1季度还没有刊发的稿件" in admin.says("排行 上季度")
    assert "2026年您还没有刊发的稿件" in admin.says("积分 今年")
    assert "时间应写成 2026、2026Q3 或 三季度（今年第3季度）这样，不是「本月」" in admin.says("排行 本月")


def test_a_summary_waiting_in_the_outbox_is_named_for_the_admins() -> None:
    from bot import outbox
    from models import OutboxMessage

    waiting = OutboxMessage(channel="export", recipient="admin", payload={"kind": "summary", "year": 2026})
    assert outbox.describe(waiting) == "发给 admin 的文件（年度总结数据）"
