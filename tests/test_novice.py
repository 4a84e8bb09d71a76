"""A new correspondent on the WeCom phone app, who learns only from the bot's replies (a review of their first two
weeks): whatever they send that is not recorded says so, and what to type instead."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from models import Draft
from tests.conftest import ChatDriver, FrozenClock
from tests.fake_wecom import FakeWeCom
from tests.test_delivery import drain
from tests.test_file_drafts import DOCX_TYPE, docx_bytes, send_file

TITLE = "乐昌开展地质灾害应急演练"
ART = ("5月10日上午，乐昌市自然资源局在坪石镇开展地质灾害应急演练，全镇干部群众二百余人参加。"
       "演练模拟强降雨引发山体滑坡，各小组按预案转移群众。")
FIXED = ART.replace("二百", "三百")


def drafts(chat: ChatDriver) -> list[tuple[int, str]]:
    with chat.runtime.sessions.begin() as session:
        return [(d.id, d.title) for d in session.scalars(select(Draft).order_by(Draft.id))]


def returned(chat: ChatDriver) -> None:
    assert "已收到投稿 #1" in chat.as_member("zhangsan").says(f"投稿 {TITLE}\n{ART}")
    assert "退回给作者" in chat.as_member("lisi").says("退回 #1 第二段人数请核实")


def test_the_one_line_form_is_named_where_enter_sends(chat: ChatDriver) -> None:
    me = chat.as_member("zhangsan")
    assert "没有保存：没有正文。" in me.says(f"投稿 {TITLE}") and f"投稿《{TITLE}》正文……" in me.says(f"投稿 {TITLE}")
    assert "投稿《乐昌开展地质灾害应急演练》5月10日上午" in me.says(f"投稿 {TITLE} {ART}")
    assert "例：投稿《" in me.says("帮助 投稿")
    assert drafts(chat) == []


def test_an_article_pasted_without_the_command_says_it_was_not_saved_and_what_to_send(chat: ChatDriver) -> None:
    reply = chat.as_member("zhangsan").says(f"{TITLE}\n{ART}")
    assert "这像是稿件正文，没有保存" in reply and f"「投稿 {TITLE}」" in reply and f"投稿《{TITLE}》" in reply
    assert "这像是稿件正文，没有保存" in chat.as_member("zhangsan").says(ART)  # the text alone, after its title
    assert drafts(chat) == []


def test_after_a_return_the_hints_name_修改(chat: ChatDriver) -> None:
    """The corrected text pasted without a command, 「已改」 or a question: the hints said 投稿 (a duplicate draft)
    or 续稿 (refused for a returned draft); 「投稿 同一标题」 made a second draft beside the returned one."""
    returned(chat)
    me = chat.as_member("zhangsan")
    assert "您的稿件 #1《乐昌开展地质灾害应急演练》已退回待修改" in me.says(FIXED) and "「修改 #1」" in me.says(FIXED)
    assert "「稿件 #1」看退回意见" in me.says("为什么被退回？") and "「修改 #1」" in me.says("已改")
    reply = me.says(f"投稿 {TITLE}\n{FIXED}")
    assert reply.startswith(f"没有保存为新稿件：您的稿件 #1《{TITLE}》已退回待修改") and "修改 #1" in reply
    assert drafts(chat) == [(1, TITLE)]
    assert "已收到投稿 #2" in me.says(f"投稿 {TITLE}（续）\n{FIXED}")  # another title: another draft


def test_an_author_fixing_a_typo_is_told_to_ask_the_editor_not_to_append(chat: ChatDriver) -> None:
    me = chat.as_member("zhangsan")
    me.says(f"投稿 {TITLE}\n{ART}")
    reply = me.says(f"修改 #1\n{FIXED}")
    assert "文字的改动请告诉编辑李四" in reply and "只是在文末补充内容，才用「续稿 #1」" in reply


def test_a_slip_of_the_pinyin_keyboard_is_suggested(chat: ChatDriver) -> None:
    assert "您是要发送「投稿" in chat.as_member("zhangsan").says(f"头稿 {TITLE}\n{ART}")


def test_a_link_from_someone_who_never_submitted_says_how_to_submit(chat: ChatDriver) -> None:
    assert "投稿请发送「投稿 标题」" in chat.as_member("zhangsan").says("https://mp.weixin.qq.com/s/AbCdEf123")


def test_the_hint_names_the_returned_draft_whose_title_it_carries_and_投稿_for_another(chat: ChatDriver) -> None:
    """Two drafts returned: the corrected text of #2 under its title was pointed to 「修改 #1」; an unrelated article
    from a member with a returned draft was pointed to 修改 only (it would have overwritten #1)."""
    me = chat.as_member("zhangsan")
    returned(chat)
    me.says(f"投稿 乐昌召开耕地保护推进会\n{ART}")
    chat.as_member("lisi").says("退回 #2 标题请再具体些")
    reply = me.says(f"乐昌召开耕地保护推进会\n{FIXED}")
    assert "您的稿件 #2《乐昌召开耕地保护推进会》已退回待修改" in reply and "「修改 #1」" not in reply
    assert "投稿请发送" not in reply
    reply = me.says(f"乐昌市开展防汛演练\n{ART}")
    assert "「投稿 乐昌市开展防汛演练」" in reply and "您有 2 篇退回待修改的稿件（#1、#2）" in reply


def test_a_title_holding_book_marks_is_given_the_labelled_one_line_form(chat: ChatDriver) -> None:
    """「投稿《《乐昌日报》头版…》正文」, as suggested, is no draft: 《》 cannot hold 《》."""
    me = chat.as_member("zhangsan")
    assert "投稿 标题：我局经验被《南方日报》刊发 正文：正文……" in me.says("投稿 我局经验被《南方日报》刊发")
    assert "已收到投稿 #1" in me.says(f"投稿 标题：我局经验被《南方日报》刊发 正文：{ART}")


def test_an_approver_pasting_text_is_not_told_to_投稿(chat: ChatDriver) -> None:
    reply = chat.as_member("wangwu").says(f"{TITLE}\n{ART}")
    assert "这像是稿件正文，没有保存" in reply and "投稿" not in reply


def test_a_title_used_again_after_a_week_is_another_article(chat: ChatDriver, clock: FrozenClock) -> None:
    """「工作动态」 returned last month: this month's 「工作动态」 was refused as its corrected text."""
    me = chat.as_member("zhangsan")
    me.says(f"投稿 工作动态\n{ART}")
    chat.as_member("lisi").says("退回 #1 请补充数据")
    clock.advance(days=8)
    assert "已收到投稿 #2" in me.says(f"投稿 工作动态\n{FIXED}")


@pytest.mark.parametrize(("name", "title"), [
    ("新建 Microsoft Word 文档.docx", TITLE), ("文档1.docx", TITLE), ("演练稿.docx", "演练稿"),
    ("新建 Microsoft Word 文档 - 副本.docx", TITLE), ("文字文稿1.docx", TITLE), ("新建 DOCX 文档 (2).docx", TITLE),
    ("新建市档案馆接收首批机关文档.docx", "新建市档案馆接收首批机关文档"), ("文档室搬迁.docx", "文档室搬迁")])
def test_default_file_names_are_no_title_and_real_ones_are(name: str, title: str, live: Runtime,
                                                            fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    """「新建 Microsoft Word 文档.docx」 was the title the editor, the approver, the outlets and the group saw."""
    fake_wecom.media["M1"] = (DOCX_TYPE, name, docx_bytes(TITLE, ART))
    send_file(live, clock, "zhangsan", "M1")
    drain(live)
    with live.sessions.begin() as session:
        assert session.scalars(select(Draft.title)).one() == title
