"""Versions (full text, diff), SLA tracking and the approval form."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from docx import Document

from bot.domain import sla
from bot.domain.diff import version_diff
from tests.conftest import ChatDriver, FrozenClock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_full_text_and_diff_between_versions(chat: ChatDriver) -> None:
    v1 = "今天上午，乐昌市国土资源局在坪石镇开展地质灾害应急演练。\n第二段不变。"
    v2 = "今天下午，乐昌市国土资源局在坪石镇开展地质灾害应急演练，200人参加。\n第二段不变。"
    chat.as_member("zhangsan").says(f"投稿 演练\n{v1}")
    chat.as_member("lisi").says(f"修改 #1\n{v2}")
    zhangsan = chat.as_member("zhangsan")
    assert zhangsan.says("稿件 #1 v1").endswith(v1)
    assert "v2（李四" in zhangsan.says("稿件 #1 全文")
    diff = zhangsan.says("稿件 #1 v1..v2")
    assert "v1 → v2，1 处改动" in diff
    assert "第1段：今天〔删：上〕〔增：下〕午" in diff and "〔增：，200人参加〕" in diff
    assert "第二段" not in diff
    assert diff == zhangsan.says("稿件 #1 1-2") == zhangsan.says("稿件＃１　Ｖ１..Ｖ２")
    assert "正文没有变化" in zhangsan.says("稿件 #1 v2..v2")
    assert "没有 v5，现有 v1–v2" in zhangsan.says("稿件 #1 v1..v5")
    zhangsan.says("投稿 第二篇\n正文")
    assert "稿件 #2 没有 v2，只有 v1。" in zhangsan.says("稿件 #2 v1-v2")
    assert "无法识别「v1 v2」" in zhangsan.says("稿件 #1 v1 v2")
    assert "看全文：稿件 #1 全文；对比：稿件 #1 v1..v2" in zhangsan.says("稿件 #1")
    assert "无权查看" in chat.as_member("xiaoli").says("稿件 #1 v1..v2")


def test_diff_counts_paragraphs_as_a_reader_does_and_joins_scattered_characters() -> None:
    assert version_diff("今天上午十点，我局开展演练。\n\n第二段。", "今天下午三点，我局开展演练。\n\n第二段改了。") == [
        "第1段：今天〔删：上午十〕〔增：下午三〕点，我局开展演练。", "第2段：第二段〔增：改了〕。"]


def test_diff_shows_rewritten_added_and_removed_paragraphs() -> None:
    assert version_diff("一\n二\n三", "一\n全新的内容完全不同\n三\n四") == [
        "－ 原第2段：二", "＋ 第2段：全新的内容完全不同", "＋ 第4段：四"]
    assert version_diff("甲\n乙", "甲") == ["－ 原第2段：乙"]


def test_working_hours_skip_weekends() -> None:
    friday_evening, monday_morning = shanghai(2026, 5, 15, 18), shanghai(2026, 5, 18, 9)
    assert sla.working_hours(friday_evening, monday_morning, SHANGHAI) == 6 + 9
    assert sla.working_hours(shanghai(2026, 5, 16, 0), shanghai(2026, 5, 18, 0), SHANGHAI) == 0
    assert sla.working_hours(shanghai(2026, 5, 11, 0), shanghai(2026, 5, 25, 0), SHANGHAI) == 10 * 24


def test_overdue_drafts_and_their_holders(chat: ChatDriver, clock: FrozenClock) -> None:
    clock.current = shanghai(2026, 5, 15, 10).astimezone(UTC)  # Friday 10:00
    chat.as_member("zhangsan").says("投稿 编辑拖延\n正文")
    chat.as_member("xiaoli").says("投稿 审核拖延\n正文")
    chat.as_member("zhaoliu").says("送审 #2")
    settings = chat.runtime.settings

    def overdue_at(*moment: int) -> list[tuple[int, list[str]]]:
        clock.current = shanghai(*moment).astimezone(UTC)
        with chat.runtime.sessions.begin() as session:
            return [(o.draft.id, o.holders) for o in sla.overdue(session, clock(), settings)]

    assert overdue_at(2026, 5, 16, 9) == []                          # Saturday: 24 h with the approver
    assert overdue_at(2026, 5, 16, 11) == [(2, ["wangwu", "zhouqi"])]  # 25 h: the approvers are late
    # 48 working hours from Friday 10:00 run out on Tuesday 10:00, not on Sunday.
    assert overdue_at(2026, 5, 19, 9) == [(2, ["wangwu", "zhouqi"])]
    assert overdue_at(2026, 5, 19, 11) == [(1, ["lisi"]), (2, ["wangwu", "zhouqi"])]
    assert "（4 天，已超时）" in chat.as_member("zhangsan").says("稿件")
    assert "编辑 李四，已 4 天，已超时" in chat.as_member("zhangsan").says("稿件 #1")


def test_approval_form_docx(chat: ChatDriver, tmp_path: Path) -> None:
    chat.as_member("zhangsan").says("投稿 乐昌开展全国土地日宣传\n6月25日，我局在人民广场开展宣传。")
    chat.as_member("lisi").says("退回 #1 请补充参加人数")
    chat.as_member("zhangsan").says("修改 #1\n6月25日，我局在人民广场开展宣传，300余人参加。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1 同意投稿")
    output = tmp_path / "form.docx"
    result = subprocess.run([sys.executable, "-m", "bot.cli", "drafts", "form", "1", "-o", str(output)],
                            capture_output=True, text=True, timeout=60,
                            env={"NEWSBOT_DATABASE_URL": chat.runtime.settings.database_url, "PATH": ""})
    assert result.returncode == 0, result.stderr
    document = Document(str(output))
    assert (round(document.sections[0].page_width.mm), round(document.sections[0].page_height.mm)) == (210, 297)
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    assert "新闻稿件审批表" in text
    assert ["标题", "乐昌开展全国土地日宣传"] in cells and ["部门", "办公室"] in cells
    assert ["批准", "王五 2026-05-12 10:00"] in cells
    assert [row[1:] for row in cells if row[0] in ("v1", "v2")] == [["张三", "2026-05-12 10:00", "18"],
                                                                   ["张三", "2026-05-12 10:00", "26"]]
    decisions = [row[1:] for row in cells if row[0].startswith("2026-")]
    assert decisions == [["张三", "投稿", "v1", "分配编辑 李四"], ["李四", "退回", "v1", "请补充参加人数"],
                         ["张三", "修改", "v2", ""], ["李四", "送审", "v2", ""], ["王五", "批准", "v2", "同意投稿"]]
    assert "正文（v2，已批准版本）" in text and "300余人参加" in text


def test_control_characters_never_reach_drafts_or_the_form(chat: ChatDriver, tmp_path: Path) -> None:
    from bot.domain import drafts
    from bot.forms import write_approval_form

    chat.as_member("zhangsan").says("投稿 软回车\n第一行\x0b第二行\x00")
    with chat.runtime.sessions.begin() as session:
        assert drafts.current_version(session, drafts.get(session, 1)).text == "第一行\n第二行"  # a soft return
        write_approval_form(session, drafts.get(session, 1), tmp_path / "f.docx", SHANGHAI)
    form = "\n".join(p.text for p in Document(str(tmp_path / "f.docx")).paragraphs)
    assert "第一行\n第二行" in form and "\x00" not in form


def test_form_for_a_missing_draft(chat: ChatDriver, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot.cli", "drafts", "form", "9", "-o", str(tmp_path / "x.docx")],
                            capture_output=True, text=True, timeout=60,
                            env={"NEWSBOT_DATABASE_URL": chat.runtime.settings.database_url, "PATH": ""})
    assert result.returncode == 2 and "没有稿件 #9" in result.stderr
