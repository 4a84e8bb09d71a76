"""The review workflow end to end through the real callback with real encryption."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.runtime import Runtime
from models import AuditEvent, Draft, DraftState, OutboxMessage
from tests.conftest import FrozenClock
from tests.wecom_sim import WeComSimulator, post, say


def state(office: Runtime, number: int = 1) -> str:
    with office.sessions.begin() as session:
        return session.get(Draft, number).state


def queued(office: Runtime) -> list[tuple[str, str]]:
    with office.sessions.begin() as session:
        return [(m.recipient, m.payload.get("fallback") or m.payload["text"]["content"])
                for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def click(client: TestClient, wecom: WeComSimulator, userid: str, key: str) -> str:
    response: httpx.Response = post(client, wecom.callback(wecom.card_click(userid, key)))
    assert response.status_code == 200
    return wecom.reply_content(response.text)


def test_submit_edit_send_and_bare_approve(client: TestClient, wecom: WeComSimulator, office: Runtime,
                                           clock: FrozenClock) -> None:
    assert "已收到投稿 #1" in say(client, wecom, "zhangsan", "投稿 乐昌开展世界地球日宣传\n4月22日上午，……")
    clock.advance(minutes=30)
    assert "v2，当前编辑中" in say(client, wecom, "lisi", "修改 #1\n4月22日上午，我局在人民广场开展宣传。")
    assert "已通知审核人：王五、周七" in say(client, wecom, "lisi", "送审 #1")
    clock.advance(hours=2)
    assert "待您审核的稿件" not in (reply := say(client, wecom, "wangwu", "批准"))
    assert "已批准稿件 #1《乐昌开展世界地球日宣传》（v2）" in reply
    assert state(office) == DraftState.approved
    messages = queued(office)
    assert [to for to, _ in messages] == ["lisi", "wangwu", "zhouqi", "zhangsan", "lisi"]
    assert messages[-2] == ("zhangsan", "您的稿件 #1《乐昌开展世界地球日宣传》已由 王五 批准。")
    with office.sessions.begin() as session:
        trail = [(e.action, e.actor, e.from_state, e.to_state, e.version)
                 for e in session.scalars(select(AuditEvent).where(AuditEvent.draft_id == 1)
                                          .order_by(AuditEvent.id))]
    assert trail == [("submit", "zhangsan", None, "editing", 1), ("revise", "lisi", "editing", "editing", 2),
                     ("send", "lisi", "editing", "pending", 2), ("approve", "wangwu", "pending", "approved", 2)]
    assert "已由 王五 批准" in say(client, wecom, "zhouqi", "批准 #1")


def test_branches_through_the_endpoint(client: TestClient, wecom: WeComSimulator, office: Runtime) -> None:
    say(client, wecom, "zhangsan", "投稿 分支\n第一稿")
    assert "需要审核角色" in say(client, wecom, "zhangsan", "批准 #1")                 # wrong role
    assert "退回必须写明意见" in say(client, wecom, "lisi", "退回 #1")                  # missing comment
    assert "已将稿件 #1 退回" in say(client, wecom, "lisi", "退回 #1 请补充时间地点")      # return by editor
    assert "当前编辑中" in say(client, wecom, "zhangsan", "修改 #1\n第二稿：5月12日，在坪石镇")  # author revises
    say(client, wecom, "lisi", "送审 #1")
    assert "已将稿件 #1 退回" in say(client, wecom, "zhouqi", "退回 #1 标题再具体些")       # return by approver
    say(client, wecom, "zhangsan", "修改 #1\n第三稿")
    say(client, wecom, "lisi", "送审 #1")
    with office.sessions.begin() as session:
        card = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "wangwu")
                               .order_by(OutboxMessage.id.desc())).first()
    approve_key = card.payload["template_card"]["button_list"][0]["key"]
    assert "已批准稿件 #1" in click(client, wecom, "wangwu", approve_key)              # approve by card
    assert "v4，当前待审核" in say(client, wecom, "lisi", "修改 #1\n第四稿")              # voids the approval
    assert state(office) == DraftState.pending
    assert "旧版本" in click(client, wecom, "zhouqi", approve_key)                      # stale card
    assert state(office) == DraftState.pending
    assert "只有作者本人或管理员" in say(client, wecom, "lisi", "撤回 #1")
    assert "已撤回" in say(client, wecom, "zhangsan", "撤回 #1")                         # withdraw
    assert state(office) == DraftState.withdrawn


def test_a_card_click_retried_by_wecom_acts_once(client: TestClient, wecom: WeComSimulator,
                                                 office: Runtime) -> None:
    say(client, wecom, "zhangsan", "投稿 重试\n正文")
    say(client, wecom, "lisi", "送审 #1")
    with office.sessions.begin() as session:
        card = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "wangwu")).one()
    callback = wecom.callback(wecom.card_click("wangwu", card.payload["template_card"]["button_list"][0]["key"]))
    replies = {wecom.reply_content(post(client, callback).text) for _ in range(3)}
    assert len(replies) == 1 and "已批准稿件 #1" in replies.pop()
    with office.sessions.begin() as session:
        assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "approve")).all()) == 1
