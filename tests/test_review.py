"""The review workflow through the engine: every transition, notification and refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain import members, review
from models import AuditEvent, Draft, DraftState, Role
from tests.conftest import ChatDriver

ONE_OF_TWO = "一条命令只能写一个稿件编号（这条写了 #1 和 #2），没有执行。请重发，只写一个编号，例如「批准 #1」"


def draft(chat: ChatDriver, number: int = 1) -> Draft:
    with chat.runtime.sessions.begin() as session:
        return session.get(Draft, number)


def new_messages(chat: ChatDriver, seen: list[int]) -> list[tuple[str, str]]:
    """(recipient, text) of the outbox rows queued since the last call."""
    fresh = [m for m in chat.outbox() if m.id not in seen]
    seen.extend(m.id for m in fresh)
    return [(m.recipient, m.payload.get("fallback") or m.payload["text"]["content"]) for m in fresh]


def events(chat: ChatDriver, number: int = 1) -> list[tuple[str, str | None, str | None, str | None]]:
    with chat.runtime.sessions.begin() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.draft_id == number).order_by(AuditEvent.id))
        return [(e.action, e.actor, e.to_state, e.comment) for e in rows]


@pytest.fixture
def submitted(chat: ChatDriver) -> list[int]:
    chat.as_member("zhangsan").says("投稿 乐昌开展地质灾害应急演练\n今天上午，演练在坪石镇举行。")
    seen: list[int] = []
    new_messages(chat, seen)
    return seen


def test_happy_path_edit_send_bare_approve(chat: ChatDriver, submitted: list[int]) -> None:
    lisi, wangwu = chat.as_member("lisi"), chat.as_member("wangwu")
    assert "v2，23 字（v1 14 字），当前编辑中" in lisi.says("修改 #1\n今天上午，应急演练在坪石镇举行，200 人参加。")
    assert new_messages(chat, submitted) == []  # the editor's own edit notifies nobody
    assert "已通知审核人：王五、周七" in lisi.says("送审 #1")
    cards = chat.outbox()[-2:]
    assert {c.recipient for c in cards} == {"wangwu", "zhouqi"}
    card = cards[0].payload
    assert card["msgtype"] == "template_card"
    buttons = card["template_card"]["button_list"]
    text_hash = review.content_hash("今天上午，应急演练在坪石镇举行，200 人参加。")
    title = card["template_card"]["main_title"]["desc"]  # what the card shows, and its 批准 carries
    assert buttons[0]["key"] == "approve:1:" + review.content_hash(title + "\n" + text_hash)
    assert buttons[1]["key"] == buttons[0]["key"].replace("approve:", "return:")  # 退回 knows the card's version
    assert "回复「批准 #1」" in card["fallback"]
    new_messages(chat, submitted)
    assert "已批准稿件 #1" in wangwu.says("批准")
    d = draft(chat)
    assert d.state == DraftState.approved and d.approved_by_id is not None
    assert d.approved_hash == review.content_hash("今天上午，应急演练在坪石镇举行，200 人参加。")
    assert sorted(new_messages(chat, submitted)) == [
        ("lisi", "稿件 #1《乐昌开展地质灾害应急演练》已由 王五 批准，请安排投递。"),
        ("zhangsan", "您的稿件 #1《乐昌开展地质灾害应急演练》已由 王五 批准。"),
        ("zhouqi", "稿件 #1《乐昌开展地质灾害应急演练》已由 王五 批准，无需您再审核。"),  # his card is done with
    ]
    assert [(a, who, to) for a, who, to, _ in events(chat)] == [
        ("submit", "zhangsan", "editing"), ("revise", "lisi", "editing"), ("send", "lisi", "pending"),
        ("approve", "wangwu", "approved")]
    assert "已由 王五 批准" in chat.as_member("zhouqi").says("批准 #1")


def test_return_by_editor_then_author_revises_back_to_the_same_editor(chat: ChatDriver,
                                                                     submitted: list[int]) -> None:
    assert "退回必须写明意见" in chat.as_member("lisi").says("退回 #1")
    assert "已将稿件 #1 退回给作者 张三" in chat.as_member("lisi").says("退回 #1 第二段请补充：参加人数？")
    assert new_messages(chat, submitted) == [(
        "zhangsan", "您的稿件 #1《乐昌开展地质灾害应急演练》被 李四 退回，意见：第二段请补充：参加人数？\n"
                    "修改后请发送「修改 #1」，换行写完整正文。")]
    assert draft(chat).state == DraftState.returned
    assert "已退回给作者" in chat.as_member("lisi").says("修改 #1\n编辑想改")
    assert "当前编辑中" in chat.as_member("zhangsan").says("修改 #1\n今天上午，演练举行，200 人参加。")
    d = draft(chat)
    assert (d.state, d.editor.userid, d.current_version) == (DraftState.editing, "lisi", 2)
    assert new_messages(chat, submitted) == [
        ("lisi", "作者张三 修改了稿件 #1《乐昌开展地质灾害应急演练》（v2），"
                 "发送「稿件 #1 v1..v2」看改动，请继续编辑。")]


def test_return_by_approver(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("lisi").says("送审 #1")
    new_messages(chat, submitted)
    assert "已将稿件 #1 退回" in chat.as_member("zhouqi").says("退回 #1 标题太长，请压缩到20字以内")
    assert draft(chat).state == DraftState.returned
    told = dict(new_messages(chat, submitted))
    assert "被 周七 退回，意见：标题太长，请压缩到20字以内" in told.pop("zhangsan")
    assert told.pop("wangwu") == "稿件 #1《乐昌开展地质灾害应急演练》已由 周七 退回，无需您再审核。"
    assert list(told) == ["lisi"]  # and the editor who sent it


def test_change_after_approval_voids_it_and_tells_the_approvers(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1 同意")
    new_messages(chat, submitted)
    assert "v2，5 字（v1 14 字），当前待审核" in chat.as_member("lisi").says("修改 #1\n改过的正文")
    d = draft(chat)
    assert (d.state, d.approved_hash, d.approved_by_id) == (DraftState.pending, None, None)
    notes = new_messages(chat, submitted)
    assert {to for to, _ in notes} == {"wangwu", "zhouqi"}
    assert all("批准后被 李四 修改为 v2，原批准已作废" in text for _, text in notes)
    assert events(chat)[-1] == ("revise", "lisi", "pending", "批准已作废")


def test_stale_card_changes_nothing(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("lisi").says("送审 #1")
    old_key = chat.outbox()[-1].payload["template_card"]["button_list"][0]["key"]
    assert "已批准稿件 #1" in chat.click("wangwu", old_key)
    assert "已由 王五 批准" in chat.click("zhouqi", old_key)  # already decided
    assert "已由 王五 批准" in chat.click("zhouqi", "return:1")
    chat.as_member("lisi").says("修改 #1\n批准后又改了")  # voids the approval: pending again, new cards
    reply = chat.click("zhouqi", old_key)
    assert "旧版本" in reply and "v2" in reply
    assert draft(chat).state == DraftState.pending
    new_key = [m for m in chat.outbox() if "template_card" in m.payload][-1].payload["template_card"]
    assert "已批准稿件 #1" in chat.click("zhouqi", new_key["button_list"][0]["key"])
    assert draft(chat).state == DraftState.approved


def test_card_return_button_asks_for_the_comment(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("lisi").says("送审 #1")
    assert "请回复「退回 #1 原因」" in chat.click("wangwu", "return:1")
    assert "只有审核人" in chat.click("zhangsan", "return:1")
    assert draft(chat).state == DraftState.pending
    assert "无法识别" in chat.click("wangwu", "launch:1")


def test_withdraw_by_author_and_by_admin(chat: ChatDriver, submitted: list[int]) -> None:
    assert "只有作者本人或管理员" in chat.as_member("lisi").says("撤回 #1")
    assert "已撤回" in chat.as_member("zhangsan").says("撤回 #1")
    assert new_messages(chat, submitted) == [("lisi", "稿件 #1《乐昌开展地质灾害应急演练》已被 张三 撤回。")]
    assert "稿件 #1 已撤回，无需再撤回" in chat.as_member("zhangsan").says("撤回 #1")
    assert "已撤回，不能再续稿。要重新提交请发送「投稿 标题」" in chat.as_member("zhangsan").says("续稿 #1\n再补一段")
    chat.as_member("xiaoli").says("投稿 第二篇\n正文")
    new_messages(chat, submitted)
    assert "已撤回" in chat.as_member("admin").says("撤回 #2")
    assert sorted(new_messages(chat, submitted)) == [
        ("lisi", "稿件 #2《第二篇》已被 钱主任 撤回。"), ("xiaoli", "稿件 #2《第二篇》已被 钱主任 撤回。")]


def test_refusals_say_what_to_do_instead(chat: ChatDriver, submitted: list[int]) -> None:
    assert "审核由审核人（分管领导）负责" in chat.as_member("admin").says("批准 #1")  # 层层把关: not self-granted
    assert "如需开通请联系管理员（钱主任）" in chat.as_member("zhangsan").says("批准 #1")  # a newcomer learns who
    assert "意见请直接告诉编辑 李四" in chat.as_member("zhaoliu").says("退回 #1 改一下")
    chat.as_member("lisi").says("送审 #1")
    assert "只有审核人可以退回。意见请告诉审核人" in chat.as_member("lisi").says("退回 #1 改一下")
    chat.as_member("wangwu").says("批准 #1")
    refused = chat.as_member("zhangsan").says("修改 #1\n新正文")
    assert "不能修改自己的稿件；需要改动请联系编辑李四" in refused
    assert "当前已批准，不能再续稿。需要改动请联系编辑李四（批准后改动要重新审核）" in chat.as_member("zhangsan").says(
        "续稿 #1\n补一段")
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://www.sgrb.example/1.html")
    assert "已刊发，不能撤回。需要更正或撤稿请直接联系刊发的媒体" in chat.as_member("zhangsan").says("撤回 #1")
    assert "稿件 #1 已刊发，不能再续稿。需要更正请直接联系媒体" in chat.as_member("zhangsan").says("续稿 #1\n补一段")
    chat.as_member("xiaoli").says("投稿 第二篇\n正文")
    assert "已送审" in chat.as_member("lisi").says("送审 #2")
    assert ("稿件 #2 正在等审核，不能再续稿。需要改动请联系审核人退回，退回后您发送「修改 #2」，换行写完整正文"
            in chat.as_member("xiaoli").says("续稿 #2\n补一段"))


def test_q16_bare_approve_with_several_pending_lists_them_and_changes_nothing(chat: ChatDriver,
                                                                             submitted: list[int]) -> None:
    chat.as_member("xiaoli").says("投稿 第二篇\n正文二")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("zhaoliu").says("送审 #2")
    reply = chat.as_member("wangwu").says("批准")
    assert "有 2 篇，没有批准任何一篇" in reply
    assert "#1《乐昌开展地质灾害应急演练》" in reply and "#2《第二篇》" in reply
    assert {draft(chat, 1).state, draft(chat, 2).state} == {DraftState.pending}
    assert "已批准稿件 #2" in chat.as_member("wangwu").says("批准 ＃２　同意：很好")
    assert events(chat, 2)[-1][3] == "同意：很好"
    # One left: a bare 批准 would take it, but words after it need the number (they may not be a comment).
    assert "附意见时请写明编号，例如「批准 #1 同意」" in chat.as_member("wangwu").says("批准 好的")
    assert "已批准稿件 #1" in chat.as_member("wangwu").says("批准 #1 好的")
    assert "目前没有待您审核的稿件" in chat.as_member("wangwu").says("批准")


def test_a_long_refusal_is_paged_like_any_reply(chat: ChatDriver) -> None:
    for n in range(1, 21):
        chat.as_member("xiaoli").says(f"投稿 乐昌市自然资源局开展第{n:02d}次地质灾害隐患点巡查排查工作\n正文")
        assert "已送审" in chat.as_member("admin").says(f"送审 #{n}")
    reply = chat.as_member("wangwu").says("批准")
    assert "有 20 篇，没有批准任何一篇" in reply and "（第 1/2 页，发送「更多」看下一页）" in reply
    assert len(reply.encode()) <= 2048
    rest = chat.as_member("wangwu").says("更多")
    assert "#20《" in rest and "#20《" not in reply
    assert {draft(chat, n).state for n in range(1, 21)} == {DraftState.pending}


@pytest.mark.parametrize(("who", "command", "expected"), [
    ("zhangsan", "送审 #1", "需要编辑角色"),                       # wrong role
    ("zhaoliu", "送审 #1", "只有稿件 #1 的编辑 李四可以送审"),       # not this draft's editor
    ("zhaoliu", "修改 #1\n改", "只有稿件 #1 的编辑 李四可以修改"),
    ("zhangsan", "修改 #1\n作者想改", "按三审分离不能修改自己的稿件；文字的改动请告诉编辑李四，由编辑修改；"),
    ("lisi", "批准 #1", "需要审核角色"),
    ("wangwu", "批准 #1", "当前编辑中，不能批准"),                  # wrong state
    ("wangwu", "退回 #1 意见", "只有稿件 #1 的编辑 李四可以退回"),
    ("lisi", "修改 #1\n今天上午，演练在坪石镇举行。", "正文与当前版本 v1 相同"),
    ("lisi", "修改 #1", "下一行写修改后的完整正文"),
    ("lisi", "送审", "请写稿件编号"),
    ("lisi", "送审 #99", "没有稿件 #99"),
])
def test_q16_refusals_are_clear_and_change_nothing(chat: ChatDriver, submitted: list[int], who: str, command: str,
                                                   expected: str) -> None:
    before = draft(chat)
    assert expected in chat.as_member(who).says(command)
    after = draft(chat)
    assert (after.state, after.current_version) == (before.state, before.current_version)
    assert new_messages(chat, submitted) == []


def test_q16_refusals_are_audited(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("zhaoliu").says("送审 #1")
    chat.as_member("lisi").says("退回 #1")
    chat.as_member("xiaoli").says("投稿 第二篇\n正文")
    chat.as_member("zhaoliu").says("送审 #2")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准")  # two pending: ambiguous
    with chat.runtime.sessions.begin() as session:
        refusals = [(e.action, e.actor) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("refused")).order_by(AuditEvent.id))]
    assert refusals == [("refused:送审", "zhaoliu"), ("refused:退回", "lisi"), ("refused:批准", "wangwu")]


def test_q16_nobody_approves_a_draft_they_wrote_or_edited(chat: ChatDriver) -> None:
    with chat.runtime.sessions.begin() as session:
        from bot.domain import members
        from models import Role

        members.set_roles(session, "wangwu", frozenset({Role.approver, Role.correspondent}), chat.runtime.clock(),
                          actor=None)
    chat.as_member("wangwu").says("投稿 领导的稿子\n正文")
    chat.as_member("lisi").says("送审 #1")
    assert "按三审分离不能批准" in chat.as_member("wangwu").says("批准 #1")
    assert "目前没有待您审核" in chat.as_member("wangwu").says("批准")
    assert [to for to in {m.recipient for m in chat.outbox() if m.payload["msgtype"] == "template_card"}] == [
        "zhouqi"]


@pytest.mark.parametrize("step", ["send", "return"])
def test_q16_an_admin_approver_who_took_the_editors_step_does_not_approve(chat: ChatDriver, submitted: list[int],
                                                                        step: str) -> None:
    with chat.runtime.sessions.begin() as session:
        from bot.domain import members
        from models import Role

        members.set_roles(session, "wangwu", frozenset({Role.approver, Role.admin}), chat.runtime.clock(),
                          actor=None)
    if step == "return":  # 退回 while editing is the editor's step too
        assert "已将稿件 #1 退回" in chat.as_member("wangwu").says("退回 #1 请补充时间")
        chat.as_member("zhangsan").says("修改 #1\n今天上午九时，演练开始。")
        assert "已送审，已通知审核人：周七" in chat.as_member("lisi").says("送审 #1")
    else:
        assert "已送审，已通知审核人：周七" in chat.as_member("wangwu").says("送审 #1")  # not himself
    assert [m.recipient for m in chat.outbox() if m.payload["msgtype"] == "template_card"] == ["zhouqi"]
    assert "按三审分离不能批准" in chat.as_member("wangwu").says("批准 #1")
    assert "目前没有待您审核" in chat.as_member("wangwu").says("批准")
    assert "待我处理" not in chat.as_member("wangwu").says("稿件")  # 稿件's queue follows the same rule
    assert "待我处理（1）" in chat.as_member("zhouqi").says("稿件")
    assert draft(chat).state == DraftState.pending
    assert "已批准稿件 #1" in chat.as_member("zhouqi").says("批准")


def test_unassigned_draft_is_claimed_by_the_first_editor_who_acts(chat: ChatDriver) -> None:
    from bot.domain import members

    with chat.runtime.sessions.begin() as session:
        members.set_roles(session, "zhaoliu", frozenset(), chat.runtime.clock(), actor=None)
    chat.as_member("lisi").says("投稿 编辑自己投的稿\n正文")  # lisi is the only editor: unassigned
    assert draft(chat).editor_id is None
    assert "按三审分离" in chat.as_member("lisi").says("送审 #1")
    from models import Role
    with chat.runtime.sessions.begin() as session:
        members.set_roles(session, "zhaoliu", frozenset({Role.editor}), chat.runtime.clock(), actor=None)
    assert "待我处理（1）" in chat.as_member("zhaoliu").says("稿件")
    assert "已送审" in chat.as_member("zhaoliu").says("送审 #1")
    assert draft(chat).editor.userid == "zhaoliu"


def test_no_eligible_approver_tells_admins(chat: ChatDriver, submitted: list[int]) -> None:
    from bot.domain import members

    with chat.runtime.sessions.begin() as session:
        for userid in ("wangwu", "zhouqi"):
            members.set_roles(session, userid, frozenset(), chat.runtime.clock(), actor=None)
    assert "暂无可审核的人" in chat.as_member("lisi").says("送审 #1")
    assert [(to, "没有可审核的人" in text) for to, text in new_messages(chat, submitted)] == [("admin", True)]


def test_queue_shows_pending_drafts_to_approvers(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("lisi").says("送审 #1")
    assert "待我处理（1）" in chat.as_member("wangwu").says("稿件")
    assert "待审核（审核人 王五、周七，已 0 分钟）" in chat.as_member("wangwu").says("稿件 #1")


def test_numbers_glued_to_chinese_punctuation(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("xiaoli").says("投稿 第二篇\n正文")
    chat.as_member("lisi").says("送审 #1")
    # #2 is still being edited: 「批准 #2，同意」 must not approve #1 as if it were a bare 批准.
    assert "#2 当前编辑中，不能批准" in chat.as_member("wangwu").says("批准 #2，同意")
    assert draft(chat, 1).state == DraftState.pending
    assert "已将稿件 #2 退回" in chat.as_member("zhaoliu").says("退回 #2，请补充时间")
    assert events(chat, 2)[-1] == ("return", "zhaoliu", "returned", "请补充时间")
    assert "请写稿件编号" in chat.as_member("wangwu").says("批准 #abc")
    assert "请写明编号，例如「批准 #1 同意」" in chat.as_member("wangwu").says("批准 12点前发出")  # not #12
    assert "已批准稿件 #1" in chat.as_member("wangwu").says("批准 #1 12点前发出")
    assert events(chat, 1)[-1][3] == "12点前发出"


def test_one_draft_per_command_and_comments_that_say_something(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("xiaoli").says("投稿 第二篇\n正文")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("zhaoliu").says("送审 #2")
    refused = chat.as_member("wangwu").says("批准 #1 #2")
    assert ONE_OF_TWO in refused
    assert (draft(chat, 1).state, draft(chat, 2).state) == (DraftState.pending, DraftState.pending)
    assert "一条命令只能写一个稿件编号" in chat.as_member("zhangsan").says("撤回 #1 #2")
    for both in ("批准 同意 #1 #2", "批准 #1 同意，#2 也同意"):
        assert ONE_OF_TWO in chat.as_member("wangwu").says(both)
    listed = chat.as_member("wangwu").says("批准 同意。格式参考 https://news.example/a.html#2")
    assert "没有批准任何一篇" in listed and draft(chat, 2).state == DraftState.pending  # a fragment names no draft
    assert "已批准稿件 #2" in chat.as_member("wangwu").says("批准 #2 参考 https://news.example/a#12")
    assert events(chat, 2)[-1][3] == "参考 https://news.example/a#12"
    assert "退回必须写明意见" in chat.as_member("wangwu").says("退回 #1 。")
    assert "已批准稿件 #1" in chat.as_member("wangwu").says("批准：#1。")  # a colon after the word, a full stop
    assert events(chat, 1)[-1][:2] == ("approve", "wangwu") and events(chat, 1)[-1][3] is None
    assert "意见：" not in new_messages(chat, submitted)[-1][1]
    assert chat.as_member("xiaoli").says("稿件：#2").startswith("#2《第二篇》\n状态：已批准")
    assert "多写了「#标题不对」" in chat.as_member("xiaoli").says("撤回 #2 #标题不对")  # a hashtag is no second draft
    assert "已撤回" in chat.as_member("xiaoli").says("撤回 #2。")


@pytest.mark.parametrize("text", ["批准不了，数据有问题", "批准？", "批准吗", "批准 1号稿同意", "批准 同意", "批准...",
                                  "批准……"])
def test_words_after_a_bare_批准_approve_nothing(chat: ChatDriver, submitted: list[int], text: str) -> None:
    chat.as_member("xiaoli").says("投稿 第二篇\n正文")
    chat.as_member("zhaoliu").says("送审 #2")  # the only draft waiting: #1 is still being edited
    reply = chat.as_member("wangwu").says(text)
    assert "没有批准任何稿件" in reply and "#2《第二篇》" in reply
    assert "例如「批准 #2 同意」；不同意请发送「退回 #2 原因」" in reply  # never the words sent, as a command
    assert draft(chat, 2).state == DraftState.pending
    assert "已批准稿件 #2" in chat.as_member("wangwu").says("批准。")


@pytest.mark.parametrize("text", ["批准[强]", "批准 [强]", "批准 👍", "批准［OK］", "批准 #1 [强][玫瑰]"])
def test_an_emoji_after_a_command_is_a_gesture_not_an_argument(chat: ChatDriver, submitted: list[int],
                                                                text: str) -> None:
    """WeCom sends its emoji as codes ([强]): 「批准[强]」 was refused as words after a bare 批准, 「稿件 [微笑]」
    asked for a number (found by a review of what WeCom sends)."""
    chat.as_member("lisi").says("送审 #1")
    assert "已批准稿件 #1" in chat.as_member("wangwu").says(text)
    assert events(chat, 1)[-1][:2] == ("approve", "wangwu") and events(chat, 1)[-1][3] is None
    assert chat.as_member("zhangsan").says("稿件 [微笑]") == chat.as_member("zhangsan").says("稿件")
    assert "您是要发送「批准」吗" in chat.as_member("wangwu").says("同意[强]")  # the hint, as for a bare 同意


@pytest.mark.parametrize("text", ["批准[疑问]", "批准❓", "批准 👎", "批准[弱]", "批准 ❌", "批准🤔", "批准 [NO]"])
def test_a_doubting_emoji_after_a_bare_批准_approves_nothing(chat: ChatDriver, submitted: list[int], text: str) -> None:
    """Only a friendly gesture is no argument: these stayed words after a bare 批准 (a review of the day's change)."""
    chat.as_member("lisi").says("送审 #1")
    reply = chat.as_member("wangwu").says(text)
    assert "没有批准任何稿件" in reply and draft(chat, 1).state == DraftState.pending


def test_a_word_in_brackets_is_an_argument_not_an_emoji(chat: ChatDriver, submitted: list[int]) -> None:
    """[头版], [南方网], [1] were taken for WeCom emoji codes and dropped (a review of the day's change)."""
    chat.as_member("lisi").says("退回 #1 数据与附表不符，见文件[1]")
    assert "意见：数据与附表不符，见文件[1]" in new_messages(chat, submitted)[-1][1]


@pytest.mark.parametrize("text", ["批准 #1 不同意，请修改", "批准 #1 暂不批准", "批准 #1？", "批准 #1 数据核实了吗?",
                                  "批准 #1 先不发", "批准 #1 否", "批准 #1 不通过", "批准 #1 请退回修改",
                                  "批准 #1 数据核实了吗", "批准 #1 不合适", "批准 #1 拒绝", "批准 #1 没通过",
                                  "批准 #1 再等等", "批准 #1 可以吗", "批准 #1 不 同意", "批准 #1 ❓", "批准 #1 [疑问]",
                                  "批准 #1 👎"])
def test_an_approval_that_says_no_or_asks_approves_nothing(chat: ChatDriver, submitted: list[int], text: str) -> None:
    chat.as_member("lisi").says("送审 #1")
    new_messages(chat, submitted)  # the approvers' cards
    reply = chat.as_member("wangwu").says(text)
    assert reply.startswith("没有批准稿件 #1：意见里有「") and "像是不同意或有疑问" in reply
    assert "同意请发送「批准 #1」" in reply and "不同意请发送「退回 #1 原因」" in reply
    assert draft(chat, 1).state == DraftState.pending and new_messages(chat, submitted) == []


def test_approval_comments_that_say_yes_still_approve(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("lisi").says("送审 #1")
    comment = "同意，不错，参考 https://news.example/a.html?id=2"  # a yes-phrase and a link's ? are no doubt
    assert "已批准稿件 #1" in chat.as_member("wangwu").says(f"批准 #1 {comment}")
    assert events(chat, 1)[-1][3] == comment
    yeses = ["同意，不可再改", "未发现问题，同意", "无不妥，同意", "同意，标题《荔枝为何这么甜？》很好", "同意，没意见",
             "同意，别忘了配图"]
    for n, comment in enumerate(yeses, start=2):
        chat.as_member("zhangsan").says(f"投稿 第{n}篇\n正文{n}")
        editor = "lisi" if "李四" in chat.as_member("zhangsan").says(f"稿件 #{n}") else "zhaoliu"
        chat.as_member(editor).says(f"送审 #{n}")
        assert f"已批准稿件 #{n}" in chat.as_member("wangwu").says(f"批准 #{n} {comment}"), comment


def test_words_after_a_number_that_stands_alone_do_nothing(chat: ChatDriver, submitted: list[int]) -> None:
    zhangsan, lisi = chat.as_member("zhangsan"), chat.as_member("lisi")
    refused = zhangsan.says("撤回 #1 不对，先不撤")
    assert "「撤回」后只写稿件编号，这条没有执行（多写了「不对，先不撤」）。确定要撤回请发送：撤回 #1" in refused
    assert "这条没有执行" in zhangsan.says("撤回 #1？")
    assert "确定要送审请发送：送审 #1" in lisi.says("送审 #1 先别送，还要改")
    assert draft(chat, 1).state == DraftState.editing and draft(chat, 1).current_version == 1
    refused = zhangsan.says("续稿 #1 补充一句。\n第二句")  # the first line's words would be lost
    assert "请重发：第一行「续稿 #1」，正文从第二行写起" in refused and "多写了「补充一句」" in refused
    assert "第一行「修改 #1」" in lisi.says("修改 #1 第二稿\n新正文")
    assert draft(chat, 1).current_version == 1
    assert "这条没有执行（多写了「王五@」）" in lisi.says("送审 #1 王五@")
    assert "已送审" in lisi.says("送审 #1 @王五 @周七")  # in the group, someone named to see it
    assert "已撤回" in zhangsan.says("撤回 #1。")  # a full stop is no word


def test_a_number_out_of_place_is_put_right_in_the_answer(chat: ChatDriver, submitted: list[int]) -> None:
    assert "稿件编号要紧跟在「退回」后面，这条没有执行。请发送：退回 #1 标题太长" in chat.as_member("lisi").says(
        "退回 标题太长 #1")
    assert chat.as_member("zhangsan").says("撤回 稿件#1").endswith("请发送：撤回 #1")  # 撤回 takes nothing else
    assert draft(chat, 1).state == DraftState.editing


def test_a_placeholder_is_no_reason_to_return(chat: ChatDriver, submitted: list[int]) -> None:
    for placeholder in ("意见", "原因。", "退回原因"):
        refused = chat.as_member("lisi").says(f"退回 #1 {placeholder}")
        assert "换成具体的退回原因" in refused and "例如：退回 #1 第二段的数据请再核实" in refused
    assert draft(chat, 1).state == DraftState.editing
    assert "已将稿件 #1 退回" in chat.as_member("lisi").says("退回 #1 意见：标题太长")


def test_every_round_at_the_same_version_is_told_again(chat: ChatDriver, submitted: list[int]) -> None:
    """Returned, found right and sent back unchanged, returned again: the same version each time, and each
    step's notice reaches its member (a notice keyed by the version alone was taken for a repeat and dropped)."""
    new_messages(chat, submitted)
    for comment in ("请核实数据", "第二次：来源请写清"):
        assert "已送审" in chat.as_member("lisi").says("送审 #1")
        cards = [to for to, _ in new_messages(chat, submitted)]
        assert sorted(cards) == ["wangwu", "zhouqi"]
        chat.as_member("wangwu").says(f"退回 #1 {comment}")
        assert [(to, comment in text) for to, text in new_messages(chat, submitted)] == [
            ("zhouqi", False), ("zhangsan", True), ("lisi", True)]  # the other approver: no need to review it
        assert "原样交回编辑" in chat.as_member("zhangsan").says("修改 #1\n今天上午，演练在坪石镇举行。")
        assert [to for to, _ in new_messages(chat, submitted)] == ["lisi"]
    assert draft(chat, 1).current_version == 1


def test_author_revises_a_returned_draft_with_修改_not_续稿(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("lisi").says("退回 #1 请补充")
    assert "已退回，请发送「修改 #1」" in chat.as_member("zhangsan").says("续稿 #1\n第二段")
    assert "当前编辑中" in chat.as_member("zhangsan").says("修改 #1\n今天上午，演练举行。\n第二段")


def test_no_edits_while_the_approver_has_it(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("lisi").says("送审 #1")
    assert "正在审核，不能修改" in chat.as_member("lisi").says("修改 #1\n偷偷改")
    assert draft(chat).current_version == 1


def test_admin_edits_are_attributed_and_admins_do_not_approve(chat: ChatDriver, submitted: list[int]) -> None:
    assert "v2" in chat.as_member("admin").says("修改 #1\n管理员改过的正文")
    assert new_messages(chat, submitted) == [
        ("lisi", "钱主任 修改了稿件 #1《乐昌开展地质灾害应急演练》（v2），"
                 "发送「稿件 #1 v1..v2」看改动，请继续编辑。")]
    chat.as_member("lisi").says("送审 #1")
    assert "需要审核角色" in chat.as_member("admin").says("批准 #1")
    assert "• 批准" not in chat.as_member("admin").says("帮助")


def test_approver_who_returns_a_draft_can_still_read_it_and_never_becomes_its_editor(
        chat: ChatDriver) -> None:
    from bot.domain import members
    from models import Role

    with chat.runtime.sessions.begin() as session:
        members.set_roles(session, "zhouqi", frozenset({Role.approver, Role.editor}), chat.runtime.clock(), None)
        members.set_roles(session, "lisi", frozenset({Role.correspondent}), chat.runtime.clock(), None)
        members.set_roles(session, "zhaoliu", frozenset(), chat.runtime.clock(), None)
    chat.as_member("zhangsan").says("投稿 无编辑\n正文")  # assigned to zhouqi, the only editor
    with chat.runtime.sessions.begin() as session:
        members.set_roles(session, "zhaoliu", frozenset({Role.editor}), chat.runtime.clock(), None)
    chat.as_member("zhouqi").says("送审 #1")
    assert draft(chat).editor.userid == "zhouqi"
    assert "已将稿件 #1 退回" in chat.as_member("wangwu").says("退回 #1 重写")
    assert "无编辑" in chat.as_member("wangwu").says("稿件 #1")


def test_withdrawing_a_pending_draft_tells_the_approvers(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("lisi").says("送审 #1")
    new_messages(chat, submitted)
    chat.as_member("zhangsan").says("撤回 #1")
    assert sorted(to for to, _ in new_messages(chat, submitted)) == ["lisi", "wangwu", "zhouqi"]
    assert events(chat)[-1] == ("withdraw", "zhangsan", "withdrawn", None)


def test_q07_compare_and_set_refuses_a_draft_changed_since_it_was_read(chat: ChatDriver, submitted: list[int]) -> None:
    """The WHERE of every transition: what another transaction committed meanwhile wins."""
    from sqlalchemy import update

    from bot.domain.drafts import compare_and_set

    with chat.runtime.sessions.begin() as session:
        stale = session.get(Draft, 1)
        session.execute(update(Draft).where(Draft.id == 1).values(current_version=2)
                        .execution_options(synchronize_session=False))  # "another transaction" commits v2
        assert not compare_and_set(session, stale, (DraftState.editing,), state=DraftState.pending)
        assert stale.current_version == 2 and stale.state == DraftState.editing  # reloaded, unchanged
        assert compare_and_set(session, stale, (DraftState.editing,), state=DraftState.pending)
        session.execute(update(Draft).where(Draft.id == 1).values(state=DraftState.approved)
                        .execution_options(synchronize_session=False))  # another approver was first
        assert not compare_and_set(session, stale, (DraftState.pending,), state=DraftState.returned)
        assert stale.state == DraftState.approved
        session.rollback()


def test_overdue_pending_draft_without_approvers_reminds_admins(chat: ChatDriver, submitted: list[int]) -> None:
    from bot.domain import members, sla

    chat.as_member("lisi").says("送审 #1")
    with chat.runtime.sessions.begin() as session:
        for userid in ("wangwu", "zhouqi"):
            members.set_roles(session, userid, frozenset(), chat.runtime.clock(), None)
    chat.runtime.clock.advance(hours=25)
    with chat.runtime.sessions.begin() as session:
        assert [o.holders for o in sla.overdue(session, chat.runtime.clock(), chat.runtime.settings)] == [["admin"]]


def test_a_second_number_or_a_malformed_one_acts_on_nothing(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("xiaoli").says("投稿 第二篇\n正文")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("zhaoliu").says("送审 #2")
    wangwu, zhangsan = chat.as_member("wangwu"), chat.as_member("zhangsan")
    for both in ("批准 1、2", "批准 #1,2", "批准 1 2", "批准 #1 #2 同意"):
        assert ONE_OF_TWO in wangwu.says(both)
    assert "一条命令只能写一个稿件编号" in zhangsan.says("撤回 1 2")
    assert "（这条写了 #1 和 #2），没有执行。请重发，只写一个编号，例如「撤回 #1」" in zhangsan.says("撤回 #1 和 #2")
    assert "例如「送审 #2」" in chat.as_member("zhaoliu").says("送审 #2 和 #1")
    for malformed, shown in (("撤回 #1abc", "#1abc"), ("撤回 #1.5", "#1.5"), ("撤回 1/2", "1/2"),
                             ("撤回 #-1", "#-1"), ("撤回 - 2", "- 2")):
        assert f"稿件编号只写数字，无法识别「{shown}」。例如：撤回 #12" in zhangsan.says(malformed)
    assert (draft(chat, 1).state, draft(chat, 2).state) == (DraftState.pending, DraftState.pending)
    assert "已批准稿件 #2" in wangwu.says("批准 #2 2026 年度重点稿")  # a comment that begins with a number
    assert events(chat, 2)[-1][3] == "2026 年度重点稿"
    assert "已将稿件 #1 退回" in wangwu.says("退回 #1 2、3 段数据不对")
    assert events(chat, 1)[-1][3] == "2、3 段数据不对"
    assert "v1（" in chat.as_member("lisi").says("稿件 #1 1")  # 稿件 only reads: a version may follow


def test_comments_are_short_enough_for_one_message(chat: ChatDriver, submitted: list[int]) -> None:
    refused = chat.as_member("lisi").says("退回 #1 " + "请核实" * 167)
    assert "意见有 501 个字，最多 500 个字。请精简后重发" in refused
    assert draft(chat).state == DraftState.editing
    assert "已将稿件 #1 退回" in chat.as_member("lisi").says("退回 #1 " + "请核实" * 166)


def test_who_may_return_is_said_before_what_to_write(chat: ChatDriver, submitted: list[int]) -> None:
    assert "只有稿件 #1 的编辑 李四可以退回" in chat.as_member("zhaoliu").says("退回 #1")


def test_a_re_approval_counts_once_and_says_which_version(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1")
    chat.as_member("lisi").says("修改 #1\n今天上午，演练在坪石镇举行，300 人参加。")  # voids the approval
    chat.as_member("wangwu").says("批准 #1")
    told = [text for to, text in new_messages(chat, submitted) if to == "zhangsan" and "批准" in text]
    assert told[-1] == "您的稿件 #1《乐昌开展地质灾害应急演练》已由 王五 批准（v2，前次批准已因修改作废）。"
    assert "批准 1 篇" in chat.as_member("admin").says("统计")  # one draft approved, twice


def test_a_number_named_only_in_passing_is_never_suggested(chat: ChatDriver, submitted: list[int]) -> None:
    """The same article sent twice (a word and the title changed, or it would be refused as a repeat): 「撤回 #2
    重复投稿，保留 #1」 must not lead the author to withdraw #1, which cannot be undone; 「# 1」 with a blank is a
    number as much as 「#1」 is."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾应急演练\n今天上午，应急演练在坪石镇举行。")
    for said in ("撤回 #2 重复投稿，保留 #1", "撤回 #2 重复投稿，保留 # 1"):
        reply = chat.as_member("zhangsan").says(said)
        assert "没有执行。请重发，只写一个编号，例如「撤回 #2」" in reply and "撤回 #1" not in reply, reply
    assert (draft(chat, 1).state, draft(chat, 2).state) == (DraftState.editing, DraftState.editing)
    chat.as_member("lisi").says("送审 #1")
    for said in ("批准 #1 比 #2 写得好", "批准 #1 同意 # 2", "批准 #1 同意，＃2也同意"):
        reply = chat.as_member("wangwu").says(said)
        assert "例如「批准 #1」" in reply and "批准 #2" not in reply, reply
    assert "一条命令只能写一个稿件编号" in chat.as_member("zhangsan").says("稿件 #1 #2")  # not 「一次只能稿件…」
    assert draft(chat, 1).state == DraftState.pending


def test_words_on_the_lines_below_a_command_are_read_with_it(chat: ChatDriver, submitted: list[int]) -> None:
    """「批准⏎不行，第二段数据有问题」 is an objection, not a bare 批准; a comment on the next line is the comment."""
    chat.as_member("lisi").says("送审 #1")
    reply = chat.as_member("wangwu").says("批准\n不行，第二段数据有问题")
    assert "没有批准任何稿件" in reply and draft(chat).state == DraftState.pending, reply
    assert "已将稿件 #1 退回" in chat.as_member("wangwu").says("退回 #1\n第二段请补充参加人数\n\n第三段删去")
    assert events(chat)[-1][2:] == ("returned", "第二段请补充参加人数 第三段删去")
    chat.as_member("zhangsan").says("修改 #1\n今天上午，演练在坪石镇举行，200人参加。")
    chat.as_member("lisi").says("送审 #1")
    assert "已批准稿件 #1" in chat.as_member("wangwu").says("批准 #1\n同意，投递前请核实参演人数")
    assert events(chat)[-1][3] == "同意，投递前请核实参演人数"


def test_an_editor_reads_the_unassigned_draft_in_their_queue(chat: ChatDriver) -> None:
    """稿件 lists a draft with no editor under every editor's 待我处理: each may read it, or they could only 送审 a
    text they never saw."""
    with chat.runtime.sessions.begin() as session:
        members.set_roles(session, "zhaoliu", frozenset(), chat.runtime.clock(), actor="admin")
    chat.as_member("lisi").says("投稿 编辑自己投的稿\n今天上午，演练在坪石镇举行。")  # lisi the only editor: none
    with chat.runtime.sessions.begin() as session:
        members.set_roles(session, "zhaoliu", frozenset({Role.editor}), chat.runtime.clock(), actor="admin")
    assert "待我处理（1）" in chat.as_member("zhaoliu").says("稿件")
    assert "今天上午，演练在坪石镇举行。" in chat.as_member("zhaoliu").says("稿件 #1 全文")
    assert "无权查看" in chat.as_member("xiaoli").says("稿件 #1 全文")


def test_a_pending_draft_handed_to_its_only_approver_is_not_silently_stuck(chat: ChatDriver) -> None:
    """The editor of a pending draft stops editing; it goes to the only approver, an editor too, who as its editor
    may not approve it. Nobody can: the admins hear of it (a rule blocking the only person who could act)."""
    with chat.runtime.sessions.begin() as session:
        for userid, roles in (("zhouqi", set()), ("zhaoliu", set()), ("wangwu", {Role.approver, Role.editor})):
            members.set_roles(session, userid, frozenset(roles), chat.runtime.clock(), actor="admin")
    chat.as_member("zhangsan").says("投稿 标题\n正文")
    assert "已通知审核人：王五" in chat.as_member("lisi").says("送审 #1")
    seen: list[int] = []
    new_messages(chat, seen)
    chat.as_member("admin").says("成员 角色 lisi 通讯员")
    told = new_messages(chat, seen)
    assert ("wangwu", "稿件 #1《标题》（待审核）的编辑 李四 已不再担任编辑，改由您负责。发送「稿件 #1」查看。") in told
    assert any(to == "admin" and "没有可审核的人" in text for to, text in told), told


def test_a_returned_draft_found_right_goes_back_unchanged(chat: ChatDriver, submitted: list[int]) -> None:
    """退回 「请核实…」; the author checks and the text is right: 修改 with the same text sends it back to the
    editor as it is (it was refused, and nothing else could move the draft)."""
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("退回 #1 请核实坪石镇这个地点")
    new_messages(chat, submitted)
    reply = chat.as_member("zhangsan").says("修改 #1\n今天上午，演练在坪石镇举行。")
    assert reply == "正文与 v1 相同：稿件 #1 原样交回编辑，当前编辑中。"
    assert (draft(chat).state, draft(chat).current_version) == (DraftState.editing, 1)
    assert events(chat)[-1] == ("revise", "zhangsan", "editing", "核实后未改动")
    assert new_messages(chat, submitted) == [
        ("lisi", "作者张三 核实后没有改动稿件 #1《乐昌开展地质灾害应急演练》（v1），请继续编辑。")]
    assert "相同，没有改动" in chat.as_member("lisi").says("修改 #1\n今天上午，演练在坪石镇举行。")


def test_refusals_after_approval_or_withdrawal_say_what_can_be_done(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1")
    reply = chat.as_member("zhouqi").says("退回 #1 刚发现数据有误，先别投")  #王五 may: he approved it
    assert "不能再退回。发现问题请编辑 李四发送「修改 #1」改正（原批准作废，重新审核），或请作者发送「撤回 #1」" in (
        reply)
    chat.as_member("zhangsan").says("撤回 #1")
    reply = chat.as_member("zhangsan").says("修改 #1\n新正文")  # not 三审分离: nobody may change it now
    assert reply.startswith("稿件 #1 当前已撤回，不能修改。"), reply


def test_one_message_carries_one_command(chat: ChatDriver, submitted: list[int]) -> None:
    """The holiday notice pasted line by line, with or without 「日程」 on each line: nothing is taken, and no line
    becomes the first one's holiday name. 「退回 #1 …⏎退回#2 …」 returns neither."""
    for second in ("日程 上班", "日程上班", "日程：上班", "上班"):
        reply = chat.as_member("admin").says(f"日程 放假 10月1日至8日 国庆节\n{second} 9月28日（周日） 国庆调休")
        assert reply.startswith("「日程」一条消息只写一行，这条没有执行。请把第二行另发一条，以「日程」开头"), reply
    assert "尚未登记今后的节假日和调休" in chat.as_member("admin").says("日程 假日")
    assert "一条消息只写一行" not in chat.as_member("zhangsan").says("日程 放假 10月1日\n日程 上班 9月28日")  # the role
    with chat.runtime.sessions.begin() as session:
        assert "refused:日程" in session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "zhangsan")).all()
    chat.as_member("zhangsan").says("投稿 第二篇\n正文二")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("admin").says("送审 #2")
    reply = chat.as_member("wangwu").says("退回 #1 第二段数据请核实\n退回#2 标题太长")
    assert reply == "一条消息只能发一条「退回」命令，这条有 2 条，都没有执行。请分开发送，一条消息一条命令。"
    assert (draft(chat, 1).state, draft(chat, 2).state) == (DraftState.pending, DraftState.pending)


def test_the_approver_hears_when_a_draft_they_approved_is_withdrawn(chat: ChatDriver, submitted: list[int]) -> None:
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1")
    new_messages(chat, submitted)
    assert "已撤回" in chat.as_member("zhangsan").says("撤回 #1")
    told = dict(new_messages(chat, submitted))
    assert told.keys() == {"lisi", "wangwu"}
    assert told["wangwu"] == "稿件 #1《乐昌开展地质灾害应急演练》已被 张三 撤回。"


def test_the_editor_hears_when_the_approver_returns_their_draft(chat: ChatDriver, submitted: list[int]) -> None:
    """The approver's comments are often on the editor's work; the draft leaves their list (found by a review)."""
    chat.as_member("lisi").says("送审 #1")
    new_messages(chat, submitted)
    chat.as_member("wangwu").says("退回 #1 标题太长，导语要突出时间地点")
    told = dict(new_messages(chat, submitted))
    assert "意见：标题太长，导语要突出时间地点" in told["zhangsan"]
    assert told["lisi"].startswith("您编辑的稿件 #1《乐昌开展地质灾害应急演练》被 王五 退回给作者 张三，意见：标题太长")
    assert "作者修改后会回到您这里" in told["lisi"]
    refusal = chat.as_member("lisi").says("修改 #1\n新的正文。")
    assert "已退回给作者 张三" in refusal  # the author revises first, as the notice said


def test_the_editor_hears_when_an_admin_takes_their_step(chat: ChatDriver, submitted: list[int]) -> None:
    """经有经验通讯员修改 (the seed): an admin's 送审 or 退回 in the editor's place left 李四 to hear of the draft
    next at 「已由 王五 批准，请安排投递」, a text he never saw (found by a review of the seed's practices)."""
    assert "已送审" in chat.as_member("admin").says("送审 #1")
    told = dict(new_messages(chat, submitted))
    assert told["lisi"] == "您负责编辑的稿件 #1《乐昌开展地质灾害应急演练》已由 钱主任 送审（v1），审核结果会告诉您。"
    chat.as_member("zhangsan").says("投稿 第二篇\n正文")
    new_messages(chat, submitted)
    assert "退回" in chat.as_member("admin").says("退回 #2 请补充参加人数")
    told = dict(new_messages(chat, submitted))
    assert told["lisi"].startswith("您编辑的稿件 #2《第二篇》被 钱主任 退回给作者 张三，意见：请补充参加人数")
    chat.as_member("zhangsan").says("投稿 第三篇\n正文")
    new_messages(chat, submitted)
    assert "已送审" in chat.as_member("lisi").says("送审 #3")  # his own step: nothing to hear of
    assert "lisi" not in dict(new_messages(chat, submitted))


def test_an_editor_who_finds_a_typo_after_sending_is_told_the_way_that_works(chat: ChatDriver,
                                                                             submitted: list[int]) -> None:
    chat.as_member("lisi").says("送审 #1")
    refusal = chat.as_member("lisi").says("修改 #1\n今天上午，应急演练在坪石镇举行。")
    assert "正在审核，不能修改" in refusal and "稿件回到作者 张三，作者修改或原样发回后，再回到编辑这里修改" in refusal
    chat.as_member("wangwu").says("退回 #1 编辑要改一处错字")
    chat.as_member("zhangsan").says("修改 #1\n今天上午，演练在坪石镇举行。")  # sent back as it is
    assert "已保存" in chat.as_member("lisi").says("修改 #1\n今天上午，应急演练在坪石镇举行。")


def test_a_second_return_with_the_same_words_reaches_the_author(chat: ChatDriver, submitted: list[int]) -> None:
    """WeCom drops the same words to the same member within 30 minutes: the second is numbered (found by a review)."""
    chat.as_member("lisi").says("退回 #1 请补充现场照片和参演人数")
    chat.as_member("zhangsan").says("修改 #1\n今天上午，演练在坪石镇举行，200 人参加。")
    chat.as_member("lisi").says("退回 #1 请补充现场照片和参演人数")
    returns = [text for to, text in new_messages(chat, submitted) if to == "zhangsan" and "退回" in text]
    assert len(returns) == 2 and returns[1] == returns[0] + "\n（第2次通知）"


LONG = "今天上午，我局在坪石镇开展地质灾害应急演练，模拟山体滑坡险情，组织群众转移避险。"  # 40 字


def test_the_full_text_reply_pasted_back_is_read_as_the_article(chat: ChatDriver) -> None:
    """A newcomer copies 「稿件 #1 全文」 and sends it under 修改: its heading line is no part of the article, and a
    page of a longer one (its footer says so) is refused as incomplete (found by a review of a newcomer's month)."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("退回 #1 请补充参演人数")
    full = chat.as_member("zhangsan").says("稿件 #1 全文")
    assert full.startswith("#1《乐昌开展地灾演练》v1（张三 ")
    assert "v2" in chat.as_member("zhangsan").says("修改 #1\n" + full + "参演 200 人。")
    with chat.runtime.sessions.begin() as session:
        assert review.current_version(session, draft(chat)).text == LONG + "参演 200 人。"
    chat.as_member("lisi").says("修改 #1\n" + "\n".join([LONG] * 60))
    chat.as_member("lisi").says("退回 #1 请再压缩")
    page = chat.as_member("zhangsan").says("稿件 #1 全文")
    assert "（第 1/" in page
    refused = chat.as_member("zhangsan").says("修改 #1\n" + page)
    assert "正文里有机器人回复的页码「（第 1/" in refused and "没有保存" in refused


def test_修改_says_how_long_the_text_is_and_warns_when_most_of_it_went(chat: ChatDriver) -> None:
    """Only the changed paragraph sent, as with 续稿, replaced the whole article without a word. A line as short
    as a reply to the comment is not taken for the text at all."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + "\n".join([LONG] * 10))
    chat.as_member("lisi").says("退回 #1 第二段补充参演人数")
    refused = chat.as_member("zhangsan").says("修改 #1\n共有50人参加。")
    assert refused.startswith("没有保存：这条只有 8 个字，当前 v1 有 409 个字。「修改」要发送改好的完整正文"), refused
    assert "请发送「稿件 #1 全文」取回原文，再发送「修改 #1」换行贴上原文" in refused
    reply = chat.as_member("zhangsan").says("修改 #1\n" + "\n".join([LONG] * 3))
    assert "v2，120 字（v1 400 字）" in reply
    assert "正文比原来短了一半以上。修改要发送完整正文" in reply and "「稿件 #1 v1」取回原文" in reply


def test_a_return_after_the_editor_revised_says_where_the_editors_text_is(chat: ChatDriver,
                                                                          submitted: list[int]) -> None:
    """传帮带: the author must start from the editor's version, or its corrections are undone."""
    chat.as_member("lisi").says("修改 #1\n5月12日上午，乐昌市自然资源局在坪石镇开展地质灾害应急演练。")
    chat.as_member("lisi").says("退回 #1 请补充参演人数")
    [notice] = [text for to, text in new_messages(chat, submitted) if to == "zhangsan"]
    assert "编辑改过正文（现为 v2），请先发送「稿件 #1 全文」取最新正文，在它上面修改" in notice
