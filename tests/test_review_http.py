"""The review workflow end to end through the real callback with real encryption."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.runtime import Runtime
from models import AuditEvent, Draft, DraftState, OutboxMessage
from tests.conftest import FrozenClock
from tests.wecom_sim import Callback, WeComSimulator, post, say


def state(office: Runtime, number: int = 1) -> str:
    with office.sessions.begin() as session:
        return session.get(Draft, number).state


def queued(office: Runtime) -> list[tuple[str, str]]:
    with office.sessions.begin() as session:
        return [(m.recipient, m.payload.get("fallback") or m.payload["text"]["content"])
                for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def click(client: TestClient, wecom: WeComSimulator, office: Runtime, userid: str, key: str) -> str:
    """A card's button clicked: WeCom gets an empty answer, the member a message (its text)."""
    response: httpx.Response = post(client, wecom.callback(wecom.card_click(userid, key)))
    assert response.status_code == 200 and response.text == ""
    return card_answers(office, userid)[-1]


def card_answers(office: Runtime, userid: str) -> list[str]:
    with office.sessions.begin() as session:
        return [m.payload["text"]["content"] for m in session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like(f"card:%:{userid}")).order_by(OutboxMessage.id))]


def test_submit_edit_send_and_bare_approve(client: TestClient, wecom: WeComSimulator, office: Runtime,
                                           clock: FrozenClock) -> None:
    assert "已收到投稿 #1" in say(client, wecom, "zhangsan", "投稿 乐昌开展世界地球日宣传\n4月22日上午，……")
    clock.advance(minutes=30)
    assert "当前编辑中" in say(client, wecom, "lisi", "修改 #1\n4月22日上午，我局在人民广场开展宣传。")
    assert "已通知审核人：王五、周七" in say(client, wecom, "lisi", "送审 #1")
    clock.advance(hours=2)
    assert "待您审核的稿件" not in (reply := say(client, wecom, "wangwu", "批准"))
    assert "已批准稿件 #1《乐昌开展世界地球日宣传》（v2）" in reply
    assert state(office) == DraftState.approved
    messages = queued(office)
    assert [to for to, _ in messages] == ["lisi", "wangwu", "zhouqi", "zhangsan", "lisi", "zhouqi"]
    assert messages[-3] == ("zhangsan", "您的稿件 #1《乐昌开展世界地球日宣传》已由 王五 批准。")
    assert messages[-1] == ("zhouqi", "稿件 #1《乐昌开展世界地球日宣传》已由 王五 批准，无需您再审核。")
    with office.sessions.begin() as session:
        trail = [(e.action, e.actor, e.from_state, e.to_state, e.version)
                 for e in session.scalars(select(AuditEvent).where(AuditEvent.draft_id == 1)
                                          .order_by(AuditEvent.id))]
    assert trail == [("submit", "zhangsan", None, "editing", 1), ("revise", "lisi", "editing", "editing", 2),
                     ("send", "lisi", "editing", "pending", 2), ("approve", "wangwu", "pending", "approved", 2)]
    assert "已由 王五 批准" in say(client, wecom, "zhouqi", "批准 #1")


def trail(office: Runtime, number: int = 1) -> list[tuple[str, str | None, str | None]]:
    with office.sessions.begin() as session:
        return [(e.action, e.actor, e.to_state) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.draft_id == number).order_by(AuditEvent.id))]


def test_branches_and_refusals_through_the_endpoint(client: TestClient, wecom: WeComSimulator,
                                                    office: Runtime) -> None:
    say(client, wecom, "zhangsan", "投稿 分支\n第一稿")
    say(client, wecom, "lisi", "投稿 编辑自己的稿\n正文")                                  # #2, edited by zhaoliu
    assert "需要审核角色" in say(client, wecom, "zhangsan", "批准 #1")                    # wrong role
    assert "不能修改自己的稿件" in say(client, wecom, "lisi", "修改 #2\n自己改")            # own draft
    assert "当前编辑中，不能批准" in say(client, wecom, "wangwu", "批准 #1")                 # wrong state
    assert "退回必须写明意见" in say(client, wecom, "lisi", "退回 #1")                      # missing comment
    assert "已将稿件 #1 退回" in say(client, wecom, "lisi", "退回 #1 请补充时间地点")          # return by editor
    assert "当前编辑中" in say(client, wecom, "zhangsan", "修改 #1\n第二稿：5月12日，在坪石镇")  # author revises
    say(client, wecom, "lisi", "送审 #1")
    say(client, wecom, "zhaoliu", "送审 #2")
    assert "没有批准任何一篇" in say(client, wecom, "wangwu", "批准")                        # ambiguous bare 批准
    assert (state(office, 1), state(office, 2)) == (DraftState.pending, DraftState.pending)
    assert "已将稿件 #1 退回" in say(client, wecom, "zhouqi", "退回 #1 标题再具体些")          # return by approver
    say(client, wecom, "zhangsan", "修改 #1\n第三稿：5月12日上午，在坪石镇")
    say(client, wecom, "lisi", "送审 #1")
    with office.sessions.begin() as session:
        card = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "wangwu")
                               .order_by(OutboxMessage.id.desc())).first()
    approve_key = card.payload["template_card"]["button_list"][0]["key"]
    assert "已批准稿件 #1" in click(client, wecom, office, "wangwu", approve_key)              # approve by card
    assert "当前待审核" in say(client, wecom, "lisi", "修改 #1\n第四稿")              # voids the approval
    assert "旧版本" in click(client, wecom, office, "zhouqi", approve_key)                      # stale card
    assert state(office) == DraftState.pending
    assert "只有作者本人或管理员" in say(client, wecom, "lisi", "撤回 #1")
    assert "已撤回" in say(client, wecom, "zhangsan", "撤回 #1")                         # withdraw
    assert [(a, who, to) for a, who, to in trail(office) if not a.startswith("refused")] == [
        ("submit", "zhangsan", "editing"), ("return", "lisi", "returned"), ("revise", "zhangsan", "editing"),
        ("send", "lisi", "pending"), ("return", "zhouqi", "returned"), ("revise", "zhangsan", "editing"),
        ("send", "lisi", "pending"), ("approve", "wangwu", "approved"), ("revise", "lisi", "pending"),
        ("withdraw", "zhangsan", "withdrawn")]
    refusals = [who for a, who, _ in trail(office) if a.startswith("refused")]
    assert refusals == ["wangwu", "lisi", "zhouqi", "lisi"]  # every refusal about #1 is audited
    with office.sessions.begin() as session:  # a refusal by role, before any draft is looked at
        assert session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "refused:批准",
                                                              AuditEvent.draft_id.is_(None))).all() == [
            "zhangsan", "wangwu"]  # the role refusal and the ambiguous bare 批准
    told = [to for to, _ in queued(office)]
    assert told.count("zhangsan") == 3  # two returns, the approval, nothing for the own withdrawal
    # cards ×4 (#1 three times, #2), the withdrawal, the other's decision (周七's 退回, 王五's 批准) and the answer
    # to their click (王五's 批准, 周七's stale card)
    assert told.count("wangwu") == 7 and told.count("zhouqi") == 7


def test_card_click_and_typed_command_have_the_same_effects(client: TestClient, wecom: WeComSimulator,
                                                           office: Runtime) -> None:
    for title in ("点卡片", "打命令"):
        say(client, wecom, "zhangsan", f"投稿 {title}\n正文{title}")
    say(client, wecom, "lisi", "送审 #1")
    say(client, wecom, "zhaoliu", "送审 #2")
    with office.sessions.begin() as session:
        card = session.scalars(select(OutboxMessage)
                               .where(OutboxMessage.dedupe_key.like("draft:1:review:%:wangwu"))).one()
    click(client, wecom, office, "wangwu", card.payload["template_card"]["button_list"][0]["key"])
    say(client, wecom, "wangwu", "批准 #2")
    assert trail(office, 1)[-1][:2] == trail(office, 2)[-1][:2] == ("approve", "wangwu")
    with office.sessions.begin() as session:
        notices = {n: sorted(m.recipient for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"draft:{n}:approved:%")))) for n in (1, 2)}
    assert notices[1] == ["lisi", "zhangsan"] and notices[2] == ["zhangsan", "zhaoliu"]


def test_q03_a_card_click_retried_by_wecom_acts_once(client: TestClient, wecom: WeComSimulator,
                                                     office: Runtime) -> None:
    say(client, wecom, "zhangsan", "投稿 重试\n正文")
    say(client, wecom, "lisi", "送审 #1")
    with office.sessions.begin() as session:
        card = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "wangwu")).one()
    callback = wecom.callback(wecom.card_click("wangwu", card.payload["template_card"]["button_list"][0]["key"]))
    assert {post(client, callback).text for _ in range(3)} == {""}
    answers = card_answers(office, "wangwu")
    assert len(answers) == 1 and "已批准稿件 #1" in answers[0]  # told once
    with office.sessions.begin() as session:
        assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "approve")).all()) == 1


def test_q16_identity_comes_only_from_the_encrypted_message(client: TestClient, wecom: WeComSimulator,
                                                            office: Runtime) -> None:
    """zhangsan's signed message, with an approver's name wherever it is not encrypted: still zhangsan."""
    say(client, wecom, "zhangsan", "投稿 冒名\n正文")
    say(client, wecom, "lisi", "送审 #1")
    callback = wecom.callback(wecom.text("zhangsan", "批准 #1"))
    spoofed = Callback({**callback.query, "userid": "wangwu", "FromUserName": "wangwu"},
                       callback.body.replace(b"<Encrypt>", b"<FromUserName><![CDATA[wangwu]]></FromUserName><Encrypt>"))
    response = post(client, spoofed)
    assert response.status_code == 200
    assert "需要审核角色" in wecom.reply_content(response.text)
    assert state(office) == DraftState.pending
    with office.sessions.begin() as session:
        assert [(e.actor, e.action) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["approve", "refused:批准"])))] == [
            ("zhangsan", "refused:批准")]
