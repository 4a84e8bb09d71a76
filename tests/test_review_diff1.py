"""A review of the day's own fixes (diff 4891dea..): each test says what a user does, what happens, what should."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from bot import outbox
from bot.domain import members
from bot.messages import Incoming
from bot.runtime import Runtime
from bot.wecom import app_messages
from models import DraftState, OutboxMessage, OutboxState
from tests.conftest import ChatDriver, FrozenClock, Mailbox, Sent, card_answer
from tests.fake_wecom import FakeWeCom
from tests.test_delivery import drain
from tests.test_held_mail_shown import held_for_南方网
from tests.test_review_cards import card_keys, state
from tests.test_review_faults import app_texts, dies_after_sending
from tests.test_today_review import LONG


def test_an_ai_bot_answer_posted_just_before_the_dispatcher_died_is_not_sent_again_as_an_app_message(
        live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member sends the AI bot a Word file in a 1:1 chat; the dispatcher posts 「已根据文件创建稿件 #1…」 to the
    message's response_url, WeCom shows it and answers ok, and the dispatcher's process is killed (a restart) before
    it records the row as sent. The next dispatcher finds the URL used up (single use: by that very post) and sends
    the answer again as an app message: the member reads it twice. Today's fix covers only the post WeCom answered
    late. Expected: a retry of a post that was handed to WeCom, finding the URL used up, counts it as sent."""
    url = f"{fake_wecom.base_url}/cgi-bin/aibot/response?response_code=R1"
    with live.sessions.begin() as session:
        msg = Incoming("aibot", "zhangsan", "aibot:m1", chat_type="single", response_url=url)
        outbox.reply(session, "zhangsan", outbox.reply_route(msg, clock()), "已根据文件创建稿件 #1《乐昌开展宣传》",
                     "file:aibot:m1:done", clock())
    dies_after_sending(live.dispatcher(), monkeypatch)
    assert len(fake_wecom.of("aibot/response", accepted_only=True)) == 1
    clock.advance(minutes=3)  # the lease has run out
    drain(live)
    assert app_texts(fake_wecom, "zhangsan") == [], "the answer reached the member twice"
    with live.sessions.begin() as session:
        assert [m.state for m in session.scalars(select(OutboxMessage))] == [OutboxState.sent]


def test_an_ai_bot_answer_whose_url_another_answer_used_still_goes_by_the_fallback(
        live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    """The other side: two answers to one message (the first took the response_url); the second, on its first
    attempt, finds the URL used up and goes as an app message (nothing lost)."""
    url = f"{fake_wecom.base_url}/cgi-bin/aibot/response?response_code=R2"
    with live.sessions.begin() as session:
        msg = Incoming("aibot", "zhangsan", "aibot:m2", chat_type="single", response_url=url)
        for n in (1, 2):
            outbox.reply(session, "zhangsan", outbox.reply_route(msg, clock()), f"答复{n}", f"ans:{n}", clock())
    fake_wecom.fail("message/send", -1)  # and its app message fails once: the retry still sends it
    drain(live)
    clock.advance(minutes=1)
    drain(live)
    assert len(fake_wecom.of("aibot/response", accepted_only=True)) == 1
    assert app_texts(fake_wecom, "zhangsan") == ["答复2"]


def test_moving_the_last_member_into_a_department_that_has_its_own_editor_offers_no_takeover(
        chat: ChatDriver) -> None:
    """规划股's own editor is 赵六, 地籍股's is 李四. The admin moves 小李, the only member of 规划股,
    to 地籍股 (a transfer: 地籍股 was there already). The reply says 「如是部门改名，请发送
    「成员 部门编辑 地籍股 zhaoliu」」: sent, it takes 地籍股 from 李四 — no rename happened (members
    sync and import never follow a merge into a department that was there). Expected: the rename
    hint only for a department new with this move."""
    admin = chat.as_member("admin")
    admin.says("成员 部门编辑 规划股 zhaoliu")
    admin.says("成员 部门编辑 地籍股 lisi")
    reply = admin.says("成员 部门 xiaoli 地籍股")
    assert "已将 小李（xiaoli）的部门设为：地籍股" in reply, reply
    assert "成员 部门编辑 地籍股 zhaoliu" not in reply, reply


def test_held_mail_tells_the_author_who_may_correct_it(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """The SMTP setting is wrong and 南方网's e-mail waits. The author 张三 asks 「稿件 #1」 and
    reads 「要在发出前改正文，请发送「修改 #1」」; he sends it and is refused: only the editor
    corrects a draft given to outlets. The reply should name who sends the 修改 (the editor
    李四), as the failed-mail line names who sends 投递 again."""
    detail = held_for_南方网(newsroom, clock).as_member("zhangsan").says("稿件 #1")
    state_line = detail.split("\n")[1]
    assert "修改 #1" in state_line, detail
    assert "李四" in state_line, state_line


LONG_USERID = "liuxiaoming.ziranziyuanju-lechang.shaoguan@gd"  # 45 characters, WeCom allows 64


def test_an_approver_with_a_long_account_can_approve_from_the_card(chat: ChatDriver) -> None:
    """The deputy director's WeCom account is long (「liuxiaoming.ziranziyuanju-lechang.shaoguan@gd」, 45 characters:
    WeCom allows 64). He taps 批准 on the review card. The answer to the click is now queued as a message keyed by
    the click's own key (which holds his account) and his account again: 250 characters for a 200-character column.
    On PostgreSQL the insert fails, the approval is rolled back and he sees nothing, on every retry of WeCom's.
    Expected: the draft approved and the answer sent, whatever the account's length."""
    with chat.runtime.sessions.begin() as session:
        row = f"{LONG_USERID},刘晓明,局领导,approver"
        members.import_csv(session, io.StringIO(f"{','.join(members.CSV_HEADER)}\n{row}\n"), chat.runtime.clock())
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("送审 #1")
    [approve, _] = card_keys(chat, LONG_USERID)[-1]
    click = app_messages.to_incoming(  # as WeCom's callback brings it
        f"<xml><ToUserName>wwcorp</ToUserName><FromUserName>{LONG_USERID}</FromUserName><CreateTime>1764300000"
        f"</CreateTime><MsgType>event</MsgType><Event>template_card_event</Event><EventKey>{approve}</EventKey>"
        "<TaskId>t1</TaskId><AgentID>1000002</AgentID></xml>")
    assert chat.runtime.commands.handle(click).text == ""
    assert state(chat) == DraftState.approved
    assert all(len(row.dedupe_key) <= 200 for row in chat.outbox()), max(len(r.dedupe_key) for r in chat.outbox())
    assert "已批准" in card_answer(chat.runtime, click.key, LONG_USERID)
