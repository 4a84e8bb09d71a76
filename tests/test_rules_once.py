"""One rule, one place: behaviours that differed where a domain rule had been written twice and the copies drifted
(found by a review of the code for the next engineer)."""

from __future__ import annotations

from models import Draft, DraftState
from tests.conftest import ChatDriver


def _state(chat: ChatDriver, number: int = 1) -> str:
    with chat.runtime.sessions.begin() as session:
        return session.get(Draft, number).state


def test_admin_author_gets_their_returned_draft_back(chat: ChatDriver) -> None:
    """钱主任 (admin, office staff: admins act in every role but approver, and 投稿/修改 accept them) submits a
    draft; its editor 李四 sends it back with a comment. Today the 退回 is refused with 「作者 钱主任 已不是
    通讯员，退回后没有人能修改」, though 钱主任 may send 修改 (the 修改 route lets admins in). Expected: the draft is
    returned to 钱主任 like anyone's. Cause: review.may_revise tests `roles & REVISERS`, the route tests
    Member.may() — the same rule "who may send 修改" written twice."""
    admin = chat.as_member("admin")
    assert "#1" in admin.says("投稿 乐昌开展地质灾害应急演练\n今天上午，演练在坪石镇举行。")
    with chat.runtime.sessions.begin() as session:
        editor = session.get(Draft, 1).editor.userid
    reply = chat.as_member(editor).says("退回 #1 第二段的数据请再核实")
    assert _state(chat) == DraftState.returned, reply
    assert "已通知" in reply or "退回给作者" in reply


def test_lead_with_a_line_beginning_with_the_word_lead_is_recorded(chat: ChatDriver) -> None:
    """张三 sends a news lead whose second line, as people write it, is 「线索提供人：…」. Today it is refused as
    two 线索 commands in one message and nothing is recorded. Expected: one lead recorded (as 投稿's own check
    in bot/router.py counts a repeated command word only when a blank, # or the line's end follows it). Cause:
    handlers/meetings.py:lead re-implements the one-command-per-message rule with a bare startswith("线索")."""
    reply = chat.as_member("zhangsan").says("线索 坪石镇垦造水田下月验收\n线索提供人：坪石镇宣传委员 李明")
    assert "已记录线索" in reply, reply


def test_author_now_editor_only_may_withdraw_own_draft(chat: ChatDriver) -> None:
    """张三 (通讯员) submits a draft; the admin then makes him an editor (「成员 角色 zhangsan 编辑」: roles are
    replaced). He sends 「撤回 #1」 for his own draft. Today the engine refuses: 「撤回」需要通讯员角色. Expected:
    the author withdraws it (product.md: 撤回 — author, admin; review.withdraw allows the author). Cause: the
    「who may act as the author」 rule lives in review.withdraw and again, narrower, as roles={correspondent} on
    the 撤回 route (handlers/review.py), while 修改's route accepts an editor-author (review.REVISERS)."""
    assert "#1" in chat.as_member("zhangsan").says("投稿 乐昌开展地质灾害应急演练\n今天上午，演练在坪石镇举行。")
    chat.as_member("admin").says("成员 角色 zhangsan 编辑")
    with chat.runtime.sessions.begin() as session:
        from bot.domain import members
        from models import Role
        assert members.get(session, "zhangsan").roles == {Role.editor}
    reply = chat.as_member("zhangsan").says("撤回 #1")
    assert _state(chat) == DraftState.withdrawn, reply


def test_a_wechat_link_quoting_a_drafts_notice_names_that_draft(chat: ChatDriver) -> None:
    """Two of 张三's drafts are approved. In the work group he quotes the notice about #1 and pastes its 公众号
    article link, which like most WeChat links ends in 「#rd」. Today the quote is ignored (the link's own 「#」
    counts as 「a #N of its own」) and the bot lists both drafts to choose from. Expected: as for a link without a
    fragment, the reply names #1, the draft the quote is about. Cause: handlers/publications.py:bare_link tests
    「"#" not in msg.text」, while bot/hints.py:with_quoted_number, the same rule for commands, looks for # only
    outside links (without_links)."""
    from tests.test_aibot import in_group
    from tests.test_publishing import approved_draft

    approved_draft(chat, "乐昌开展世界地球日宣传")
    approved_draft(chat, "乐昌开展防灾减灾日宣传")
    notice = "您的稿件 #1《乐昌开展世界地球日宣传》已由 王五 批准。"
    plain = in_group(chat, "zhangsan", "https://mp.weixin.qq.com/s?__biz=MzA5&mid=26&idx=1&sn=ab12", quoted=notice)
    assert "乐昌开展世界地球日宣传" in plain and "乐昌开展防灾减灾日宣传" not in plain, plain  # the rule as built
    reply = in_group(chat, "zhangsan", "https://mp.weixin.qq.com/s?__biz=MzA5&mid=26&idx=1&sn=ab12#rd", quoted=notice)
    assert "乐昌开展防灾减灾日宣传" not in reply and "乐昌开展世界地球日宣传" in reply, reply
