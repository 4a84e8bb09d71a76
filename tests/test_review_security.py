"""Security and privacy review: who may see and do what, as an attacker inside the office would try it."""

from __future__ import annotations

from bot.domain import directory
from models import DraftState, Role
from tests.conftest import ChatDriver
from tests.test_aibot import draft_state, in_group
from tests.test_members import office_directory


def _sync_without(chat: ChatDriver, *leaving: str) -> directory.SyncResult:
    departments, users = office_directory("规划股")
    with chat.runtime.sessions.begin() as session:
        return directory.sync(session, departments, [u for u in users if u["userid"] not in leaving],
                              chat.runtime.clock(), force=True)


def test_a_userid_back_in_the_directory_does_not_bring_back_the_approval_role(chat: ChatDriver) -> None:
    """王五 (approver) leaves: `members sync` deactivates him. Months later WeCom lists the userid wangwu again —
    a new 王五 given the old account name, as offices name accounts by pinyin. The sync makes him active with the
    approver's role of the man who left: at once he gets the cards of the drafts waiting (their text) and approves
    them, and the sync said only 「更新 1 人」. Expected: a member back in the directory comes back with no role,
    named by the sync with the roles he had, for an admin to give them again."""
    chat.as_member("zhangsan").says("投稿 甲稿\n今天上午，甲稿的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    cards = len(_cards_to(chat, "wangwu"))
    _sync_without(chat, "wangwu")
    result = _sync_without(chat)  # the userid is listed again
    reply = chat.as_member("wangwu").says("批准 #1")
    assert draft_state(chat.runtime, 1) == DraftState.pending, reply
    assert "需要审核角色" in reply, reply
    assert [(m.userid, m.roles, roles) for m, roles in result.returned] == [
        ("wangwu", frozenset(), frozenset({Role.approver}))]
    assert len(_cards_to(chat, "wangwu")) == cards  # no card of the waiting draft to whoever holds the userid now
    chat.as_member("admin").says("成员 角色 wangwu 审核")  # the same man, back: one command, as the sync says
    assert chat.as_member("wangwu").says("批准 #1").startswith("已批准稿件 #1")


def _cards_to(chat: ChatDriver, userid: str) -> list[object]:
    return [m for m in chat.outbox() if m.recipient == userid and m.payload.get("msgtype") == "template_card"]


def test_q16_an_admin_command_refused_in_the_group_is_an_audit_event(chat: ChatDriver) -> None:
    """An admin writes 「@审稿机器人 成员 角色 lisi 审核」 in the work group. The bot refuses it there (its reply is
    the office's own business) — but writes no audit event, while quality.md (16) says each refusal is one, and
    every other refusal (a role, a rule) is. Expected: one `refused:成员` event, as for any refusal."""
    from sqlalchemy import select

    from models import AuditEvent

    reply = in_group(chat, "admin", "成员 角色 lisi 审核")
    assert "请在与机器人的单聊中发送" in reply, reply
    with chat.runtime.sessions.begin() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "admin")).all()
    assert actions == ["refused:成员"], actions
