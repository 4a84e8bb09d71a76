"""The deputy director's (分管副局长, approver) month: what a review found wrong, each proved by a test first."""

from __future__ import annotations

from sqlalchemy import select

from models import Draft, DraftState, Member, Role
from tests.conftest import ChatDriver
from tests.test_aibot import in_group


def state(chat: ChatDriver, number: int) -> str:
    with chat.runtime.sessions.begin() as session:
        return session.get(Draft, number).state


def roles(chat: ChatDriver, userid: str) -> frozenset[Role]:
    with chat.runtime.sessions.begin() as session:
        return session.scalars(select(Member).where(Member.userid == userid)).one().roles


def three_sent(chat: ChatDriver) -> None:
    for title in ("甲稿", "乙稿", "丙稿"):
        chat.as_member("zhangsan").says(f"投稿 {title}\n今天上午，{title}的活动在坪石镇举行。")
    for number in (1, 2, 3):
        with chat.runtime.sessions.begin() as session:
            editor = session.get(Draft, number).editor.userid
        assert "已送审" in chat.as_member(editor).says(f"送审 #{number}")


def test_bare_approve_quoting_a_message_about_two_drafts_approves_a_third_nobody_named(chat: ChatDriver) -> None:
    """In the work group the editor writes 「#1 和 #2 已改好，请审核」. 周七 has already approved #1 and #2 in
    1:1; 王五 quotes the editor's message and writes 「@审稿机器人 批准」, meaning those two. The quote names two
    drafts, so the bot ignores it and falls back to the bare 批准: the one draft still waiting for 王五 — #3, which
    neither the quote nor 王五 named — is approved and the editor is told to 投递 it. Expected: a quote that names
    drafts (several, or none still waiting) never lets a bare 批准 approve a draft it does not name ("never the one
    other draft waiting", README); nothing is approved and the drafts are listed."""
    three_sent(chat)
    chat.as_member("zhouqi").says("批准 #1")
    chat.as_member("zhouqi").says("批准 #2")
    reply = in_group(chat, "wangwu", "批准", quoted="#1 和 #2 已改好，请审核")
    assert state(chat, 3) == DraftState.pending, reply
    assert not reply.startswith("已批准稿件 #3")


def test_an_approval_given_by_mistake_cannot_be_taken_back(chat: ChatDriver) -> None:
    """王五 has two cards; 周七 approves #1 without telling him. 王五 sends a bare 「批准」 meaning #1 and the bot
    approves #2 (the only one left for him). Seeing the reply he sends 「退回 #2 批错了，数据还没核实」: refused,
    told to have the editor 「修改 #2」 (原批准作废). The editor does so with the same text: refused as 没有改动. So
    the approver cannot retract an approval he gave by mistake before the draft goes out; only the author's
    撤回 (which kills the draft) stops it, while the editor has already been told 「请安排投递」. Expected: the
    approver who approved it may send it back (退回) while it is still approved and unsent."""
    chat.as_member("zhangsan").says("投稿 甲稿\n今天上午，甲稿的活动在坪石镇举行。")
    chat.as_member("xiaoli").says("投稿 乙稿\n今天上午，乙稿的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("zhaoliu").says("送审 #2")
    chat.as_member("zhouqi").says("批准 #1")
    # (a bare 「批准」 now approves nothing moments after 周七's, test_event_day; typed, the mistake is the same)
    assert chat.as_member("wangwu").says("批准 #2").startswith("已批准稿件 #2")
    refusal = chat.as_member("wangwu").says("退回 #2 批错了，数据还没核实")
    editor_fix = chat.as_member("zhaoliu").says("修改 #2\n今天上午，乙稿的活动在坪石镇举行。")
    assert state(chat, 2) != DraftState.approved, (refusal, editor_fix)


def test_a_role_change_that_drops_roles_says_which_and_how_to_keep_them(chat: ChatDriver) -> None:
    """Both approvers are away; 催办 asks the admin to give someone the 审核 role (with their other roles: 成员 角色
    replaces them, tests/test_calendar.py). The admin writes 「成员 角色 zhaoliu 审核」 for the editor 赵六 all the
    same: he is no longer an editor and his drafts are handed on. The reply says which role went, with the command
    that keeps it."""
    reply = chat.as_member("admin").says("成员 角色 zhaoliu 审核")
    assert Role.editor not in roles(chat, "zhaoliu")
    assert "去掉了原有的编辑；如只想加上角色，请发送「成员 角色 zhaoliu 编辑 审核」" in reply, reply
    assert "去掉了" not in chat.as_member("admin").says("成员 角色 zhaoliu 编辑 审核")


def test_a_pending_draft_nobody_may_approve_is_in_no_ones_list(chat: ChatDriver) -> None:
    """周七 is away and the admin takes his 审核 role; 王五 wrote #1 himself (he is also a correspondent). #1 is
    pending and nobody may approve it: the admins get one notice, and from the next day 催办 treats the admin as
    its holder. But the admin's 「稿件」 answers 「您还没有投稿」 and 王五's shows it only as his own draft: the
    draft is in no one's 待我处理 list. Expected: the admins' 稿件 lists the pending drafts that wait for an
    approver to be named, as 催办 does."""
    chat.as_member("admin").says("成员 角色 wangwu 通讯员 审核")
    chat.as_member("wangwu").says("投稿 局领导调研\n今天王五副局长到坪石镇调研。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("admin").says("成员 角色 zhouqi 通讯员")
    listing = chat.as_member("admin").says("稿件")
    assert "#1" in listing, listing


def test_an_approver_asking_what_waits_is_not_pointed_to_the_listing(chat: ChatDriver) -> None:
    """王五 wants to see what waits for him and types 「待办」, 「待审」, 「待审核」 (the card's own heading is
    「待审核 #1」) or 「稿件 待审核」. He gets 「未能识别…发送「帮助」」 or 「请写稿件编号，例如：稿件 #12」: none
    names 「稿件」, the command that lists his queue. Expected: the hint suggests 「稿件」 (README: a line that is no
    command gets the command it most likely meant)."""
    chat.as_member("zhangsan").says("投稿 甲稿\n今天上午，甲稿的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    replies = {text: chat.as_member("wangwu").says(text) for text in ("待办", "待审", "待审核", "稿件 待审核")}
    assert all("「稿件」" in reply for reply in replies.values()), replies


def test_a_leaders_usual_yes_gets_no_pointer_to_approve(chat: ChatDriver) -> None:
    """The deputy director answers the card the way leaders sign papers: 「同意发布」, 「同意，可以发」, 「同意刊发」.
    Plain 「同意」 is answered 「您是要发送「批准」吗？」, but these get only 「未能识别…发送「帮助」」: the draft
    waits and he believes he approved it. Expected: each is pointed to 「批准 #1」 (nothing approved)."""
    chat.as_member("zhangsan").says("投稿 甲稿\n今天上午，甲稿的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    replies = {text: chat.as_member("wangwu").says(text) for text in ("同意发布", "同意，可以发", "同意刊发")}
    assert state(chat, 1) == DraftState.pending
    assert all("批准" in reply for reply in replies.values()), replies


def test_the_editor_is_not_told_when_an_admin_voids_the_approval_they_were_told_to_send(chat: ChatDriver) -> None:
    """王五 approves #1 and its editor 李四 is told 「已由 王五 批准，请安排投递」. The office director (admin) then
    fixes a word with 「修改 #1」 in the editor's place: the approval is void and the approvers get new cards, but 李四
    hears nothing — his next 投递 is refused and he learns only then that the text he edited was changed under him.
    Expected: as with an admin's 送审 or 退回 in the editor's place, the editor is told (who changed it, v1..v2, that
    it waits for approval again)."""
    chat.as_member("zhangsan").says("投稿 甲稿\n今天上午，甲稿的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1")
    before = {m.id for m in chat.outbox()}
    assert "原批准已作废" in chat.as_member("admin").says("修改 #1\n今天上午，甲稿的活动在坪石镇隆重举行。")
    told = [m.recipient for m in chat.outbox() if m.id not in before]
    assert "lisi" in told, told


def test_the_other_approvers_hear_that_a_draft_is_decided(chat: ChatDriver) -> None:
    """Two approvers get a card for each draft; when one approves or returns it, the other is told it needs them no
    more, so that their bare 「批准」 is not meant for it."""
    chat.as_member("zhangsan").says("投稿 甲稿\n今天上午，甲稿的活动在坪石镇举行。")
    chat.as_member("xiaoli").says("投稿 乙稿\n今天上午，乙稿的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("zhaoliu").says("送审 #2")
    chat.as_member("zhouqi").says("批准 #1")
    chat.as_member("zhouqi").says("退回 #2 数据请核实")
    told = [m.payload["text"]["content"] for m in chat.outbox() if m.recipient == "wangwu" and "text" in m.payload]
    assert any("稿件 #1《甲稿》已由 周七 批准，无需您再审核" in text for text in told), told
    assert any("稿件 #2《乙稿》已由 周七 退回，无需您再审核" in text for text in told), told
    assert not [m for m in chat.outbox() if m.recipient == "zhouqi" and "无需您再审核" in str(m.payload)]


def test_an_approval_taken_back_goes_to_the_author_and_the_editor_hears(chat: ChatDriver) -> None:
    """周七 approved #1 and finds a wrong figure before it is sent: he returns it, the approval is void, the author
    gets the comment and the editor (told to 投递) hears of it. Neither the editor nor the other approver may
    退回 an approved draft (王五 did not sign it)."""
    chat.as_member("zhangsan").says("投稿 甲稿\n今天上午，甲稿的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("zhouqi").says("批准 #1")
    for other in ("lisi", "wangwu"):
        assert "已由 周七 批准" in chat.as_member(other).says("退回 #1 标题再改改")
    assert state(chat, 1) == DraftState.approved
    assert "已将稿件 #1 退回给作者 张三" in chat.as_member("zhouqi").says("退回 #1 第二段人数不对")
    with chat.runtime.sessions.begin() as session:
        draft = session.get(Draft, 1)
        assert (draft.state, draft.approved_by_id, draft.approved_hash) == (DraftState.returned, None, None)
    told = {m.recipient: m.payload["text"]["content"] for m in chat.outbox()
            if "text" in m.payload and "人数不对" in m.payload["text"]["content"]}
    assert set(told) == {"zhangsan", "lisi"}, told
