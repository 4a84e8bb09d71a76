"""An experienced correspondent as editor (编辑) for a busy week. Found by a review: each docstring says what
went wrong before."""

from __future__ import annotations

from sqlalchemy import select

from bot import outbox as outbox_module
from bot.domain import review
from bot.runtime import Runtime
from models import Draft, DraftState, OutboxMessage, OutboxState
from tests.conftest import ChatDriver, FrozenClock, Mailbox, Sent
from tests.fake_wecom import FakeWeCom
from tests.test_delivery import drain
from tests.test_file_drafts import DOCX_TYPE, docx_bytes, send_file
from tests.test_publishing import approved_draft

LONG = "今天上午，我局在坪石镇开展地质灾害应急演练，模拟山体滑坡险情，组织群众转移避险。"  # 40 字


def current(chat: ChatDriver, number: int = 1) -> tuple[Draft, str]:
    with chat.runtime.sessions.begin() as session:
        draft = session.get(Draft, number)
        assert draft is not None
        return draft, review.current_version(session, draft).text


# --- lost or corrupted text -------------------------------------------------------------------------------


def test_editors_修改_after_the_authors_续稿_does_not_silently_drop_the_appended_text(chat: ChatDriver) -> None:
    """The editor reads v1 and works on it; meanwhile the author sends 续稿 (v2 = v1 + a paragraph). The editor's
    修改 (their edit of v1) becomes v3 without the author's paragraph, and the reply only says
    「已保存稿件 #1 的 v3，43 字（v2 53 字）」: the paragraph is gone from what will be approved and sent, and
    nobody is told. The reply should say that v2 was the author's 续稿 and its added text is not in v3."""
    author, editor = chat.as_member("zhangsan"), chat.as_member("lisi")
    author.says("投稿 乐昌开展地灾演练\n" + LONG)
    editor.says("稿件 #1 全文")  # the editor starts from v1
    assert "现为 v2" in author.says("续稿 #1\n参演群众共200人，转移安置演练用时30分钟。")
    told = [m.payload["text"]["content"] for m in chat.outbox() if m.recipient == "lisi" and "text" in m.payload]
    assert told[-1].endswith("作者续稿，现为 v2（63 字）。发送「稿件 #1 v1..v2」看追加的内容。"), told
    reply = editor.says("修改 #1\n" + LONG.replace("今天上午", "5月12日上午"))
    _, text = current(chat)
    assert "参演群众共200人" not in text  # the appended paragraph is not in the current version
    # …and the editor hears of it before this goes to the approver
    assert "注意：作者续稿追加的 1 段（「参演群众共200人，转移安置演练用时30…」）不在 v3 中" in reply, reply
    assert "「稿件 #1 v2」" in reply
    kept = editor.says("修改 #1\n" + LONG.replace("今天上午", "5月12日")
                       + "\n参演群众共200人，转移安置演练用时30分钟。")
    assert "v4" in kept and "注意" not in kept, kept


def test_the_office_template_under_修改_changes_the_title_and_keeps_its_labels_out_of_the_article(
        chat: ChatDriver) -> None:
    """投稿 reads the office's template 「标题：…⏎正文：…」. An editor who rewrites the title (the card's own
    example of a return reason is 「标题需要更具体」) sends 修改 in the same template: the title stays as it was and
    「标题：…」 and 「正文：」 become part of the article that goes to the outlets. There is no other way for an
    editor to change a title (file drafts even answer 「需要改标题请联系编辑」)."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("修改 #1\n标题：乐昌坪石镇开展地质灾害应急演练\n正文：" + LONG + "200人参加。")
    draft, text = current(chat)
    assert "标题：" not in text and not text.startswith("正文："), text
    assert draft.title == "乐昌坪石镇开展地质灾害应急演练"


def test_a_long_full_text_copied_page_by_page_keeps_no_page_labels(chat: ChatDriver) -> None:
    """A long draft's 「稿件 #1 全文」 comes in pages; pages 2.. begin with 「（续「稿件 #1 全文」）」. The editor
    copies every page, takes off the page footers as the refusal of a footer tells them to (「去掉标题行和页码」),
    edits and sends 修改: the 「（续「稿件 #1 全文」）」 lines are saved in the article, and would go to the outlets."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + "\n".join([LONG] * 60))
    editor = chat.as_member("lisi")
    pages = [editor.says("稿件 #1 全文")] + [editor.says("更多") for _ in range(4)]
    assert pages[-1].endswith("已全部显示）")
    copied = "\n".join(page.rsplit("\n", 1)[0] for page in pages)  # each page without its footer line
    reply = editor.says("修改 #1\n" + copied.replace("今天上午", "5月12日上午"))
    _, text = current(chat)
    assert "（续「" not in text, (reply, [line for line in text.split("\n") if "续" in line])


def test_a_word_file_titled_from_its_first_line_does_not_repeat_the_title_in_the_article(
        live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    """A .docx Word named 「新建 Microsoft Word 文档.docx」 gets its title from its first line, which stays the
    article's first line too: the outlets receive the title, the byline, then the title again; the editor has to
    notice and cut it in chat. The line taken for the title should not stay in the text."""
    data = docx_bytes("乐昌开展地质灾害应急演练", "", "5月12日上午，我局在坪石镇开展地质灾害应急演练。")
    fake_wecom.media["M1"] = (DOCX_TYPE, "新建 Microsoft Word 文档.docx", data)
    send_file(live, clock, "zhangsan", "M1", "新建 Microsoft Word 文档.docx")
    drain(live)
    chat = ChatDriver(live)
    draft, text = current(chat)
    assert draft.title == "乐昌开展地质灾害应急演练"
    assert not text.startswith(draft.title), text


# --- drafts stuck in nobody's list ------------------------------------------------------------------------


def test_a_return_to_an_author_who_may_no_longer_revise_does_not_strand_the_draft(chat: ChatDriver) -> None:
    """The author's roles were taken away (left the department) while the editor works on the draft; the editor
    then sends 退回 #1: the bot answers 「意见已转达」 and the draft is returned to a member who cannot send 修改.
    It is in nobody's list (the editor's 稿件 no longer shows it; the admin's neither). When the roles are taken
    away first, review.back_to_editor already brings returned drafts back to the editor; a 退回 after it
    should be refused (or the draft stay with the editor) with what to do instead."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("admin").says("成员 角色 zhangsan 无")
    reply = chat.as_member("lisi").says("退回 #1 请补充参演人数")
    assert "「修改」需要通讯员或编辑角色" in chat.as_member("zhangsan").says("修改 #1\n" + LONG + "200人参加。")
    draft, _ = current(chat)
    assert draft.state == DraftState.editing and "#1" in chat.as_member("lisi").says("稿件")
    assert "退回后没有人能修改稿件 #1" in reply and "「修改 #1」" in reply, reply


def test_an_approvers_return_to_an_author_who_may_no_longer_revise_goes_to_the_editor(chat: ChatDriver) -> None:
    """The approver's comment is not lost with an author who left: the draft comes back to its editor with it."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("admin").says("成员 角色 zhangsan 无")
    reply = chat.as_member("wangwu").says("退回 #1 请补充参演人数")
    assert "稿件 #1 回到编辑 李四那里修改，意见已转达" in reply, reply
    draft, _ = current(chat)
    assert draft.state == DraftState.editing
    told = [m.payload["text"]["content"] for m in chat.outbox() if m.recipient == "lisi" and "text" in m.payload]
    assert "意见：请补充参演人数\n作者 张三 已不是通讯员，不能修改，稿件回到编辑中" in told[-1], told
    assert "v2" in chat.as_member("lisi").says("修改 #1\n" + LONG + "200人参加。")


# --- confusing replies ------------------------------------------------------------------------------------


def test_修改_of_an_approved_draft_says_the_approval_is_void_and_who_was_asked(chat: ChatDriver) -> None:
    """An editor fixes a typo in an approved draft before 投递: the reply is 「已保存稿件 #1 的 v2 … 当前待审核。」
    It does not say the approval is void, that it must be approved again before 投递, nor whom the bot asked
    (送审 names the approvers: 「已通知审核人：王五、周七」)."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1")
    reply = chat.as_member("lisi").says("修改 #1\n" + LONG.replace("今天", "5月12日"))
    assert "原批准已作废，重新批准后才能投递；已通知审核人：王五" in reply, reply


def test_the_version_line_of_a_draft_with_many_versions_says_earlier_ones_exist(chat: ChatDriver) -> None:
    """After 7 edits 稿件 #1 shows 「版本：v4 …；v5 …；v6 …；v7 …；v8 …」: v1 (the author's own text) to v3 are not
    mentioned at all, nor how many versions there are."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    for i in range(7):
        chat.as_member("lisi").says(f"修改 #1\n{LONG}第{i}稿")
    detail = chat.as_member("lisi").says("稿件 #1")
    line = next(line for line in detail.split("\n") if line.startswith("版本"))
    assert line.startswith("版本（共 8 版，列出最近 5 版）：v4 "), line


def test_a_diff_of_versions_that_differ_only_in_indent_does_not_say_nothing_changed(chat: ChatDriver) -> None:
    """The editor adds 首行缩进 (two full-width spaces): a new version, a new hash (an approval would be void), but
    「稿件 #1 v1..v2」 answers 「正文没有变化」."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    assert "v2" in chat.as_member("lisi").says("修改 #1\n\u3000\u3000" + LONG)
    assert "没有变化" not in chat.as_member("lisi").says("稿件 #1 v1..v2")


def test_修改_with_only_a_title_line_changes_the_title_and_voids_an_approval(chat: ChatDriver) -> None:
    """「修改 #1⏎标题：…」 alone keeps the text; the approver, who approved the old title, is asked again."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1")
    reply = chat.as_member("lisi").says("修改 #1\n标题：乐昌坪石镇开展地质灾害应急演练")
    assert reply.startswith("标题已改为《乐昌坪石镇开展地质灾害应急演练》（原为《乐昌开展地灾演练》），"
                            "正文未改（v1），当前待审核。"), reply
    assert "原批准已作废" in reply, reply
    draft, text = current(chat)
    assert (draft.title, draft.current_version, text, draft.approved_hash) == (
        "乐昌坪石镇开展地质灾害应急演练", 1, LONG, None)
    cards = [m for m in chat.outbox() if m.recipient == "wangwu" and m.payload.get("msgtype") == "template_card"]
    assert "标题改为《乐昌坪石镇开展地质灾害应急演练》，原批准已作废" in str(cards[-1].payload)
    assert "改标题：乐昌开展地灾演练 → 乐昌坪石镇开展地质灾害应急演练" in chat.as_member("lisi").says("稿件 #1")
    assert "标题：" in chat.as_member("lisi").says("修改 #1\n标题：")  # said how to write it


def test_an_author_fixes_the_title_the_approver_returned(chat: ChatDriver) -> None:
    """The card's own example of a reason: 「标题需要更具体」 — the author can now do it."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("退回 #1 标题需要更具体")
    reply = chat.as_member("zhangsan").says("修改 #1\n标题：乐昌坪石镇开展地质灾害应急演练\n" + LONG)
    assert reply.startswith("标题已改为《乐昌坪石镇开展地质灾害应急演练》（原为《乐昌开展地灾演练》），"
                            "正文未改（v1），当前编辑中。"), reply
    assert current(chat)[0].title == "乐昌坪石镇开展地质灾害应急演练"


def test_a_draft_whose_only_mail_failed_is_not_shown_as_sent_and_stays_in_the_editors_list(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent) -> None:
    """投递 #1 韶关日报, and that e-mail is given up (dead letter): nothing reached any outlet, yet 稿件 #1 says
    「状态：已投递」 and the draft leaves the editor's 待我处理; the only trace is one notice in a busy week. It
    should stay in the editor's list (and not read 已投递) until it is sent again."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    assert "已排队投递：韶关日报" in chat.as_member("lisi").says("投递 #1 韶关日报")
    mailbox.down()
    with newsroom.sessions.begin() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "mail",
                                                          OutboxMessage.state == OutboxState.pending)).one()
        row.attempts = outbox_module.MAX_ATTEMPTS
    drain(newsroom)
    assert any("投递韶关日报失败，邮件没有发出" in line for line in sent.lines)
    detail = chat.as_member("lisi").says("稿件 #1")
    listing = chat.as_member("lisi").says("稿件")
    assert ("状态：邮件都没有发出（韶关日报：待编辑 李四重新「投递 #1 媒体名称」；不再投请「不采用 #1 媒体名称」；"
            "要先改正文，请发送「修改 #1」和完整正文，改后需审核人重新批准）"
            in detail), detail
    assert "#1《乐昌开展世界地球日宣传》已投递（有媒体的邮件未确认发出）" in listing, listing
    mailbox.up()
    chat.as_member("lisi").says("投递 #1 韶关日报")
    drain(newsroom)
    assert "#1" not in chat.as_member("lisi").says("稿件")  # sent at last: nothing more to do
    assert "状态：已投递\n" in chat.as_member("lisi").says("稿件 #1")


