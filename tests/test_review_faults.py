"""Faults on the way out: a send WeCom took but answered late, a dispatcher killed between a send and its record."""

from __future__ import annotations

import io

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot import outbox
from bot.config import Settings
from bot.domain import members
from bot.messages import Incoming
from bot.outbox import Dispatcher
from bot.runtime import Runtime
from models import OutboxMessage, OutboxState
from tests.conftest import OFFICE_CSV, FrozenClock
from tests.fake_wecom import WEBHOOK_KEY, FakeWeCom
from tests.test_delivery import drain, group_runtime


def group_posts_when_the_dispatcher_dies_after_posting(runtime: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock,
                                                       monkeypatch: pytest.MonkeyPatch) -> int:
    """A dispatcher posts the queued row to the group robot and dies before recording it; the next ones take it up
    once the lease has run out: how many times the group saw it."""
    dies_after_sending(runtime.dispatcher(), monkeypatch)
    assert len(fake_wecom.of("webhook/send", accepted_only=True)) == 1
    for minutes in (3, 5):  # the lease has run out; and later
        clock.advance(minutes=minutes)
        drain(runtime)
    return len(fake_wecom.of("webhook/send", accepted_only=True))


def app_texts(fake: FakeWeCom, userid: str) -> list[str]:
    return [body[body["msgtype"]]["content"] for _, body in fake.delivered[userid]]


def test_a_late_answer_wecom_took_on_its_response_url_is_not_sent_again_as_an_app_message(
        live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    """A member sends the AI bot a Word file in a 1:1 chat; the dispatcher reads it and posts 「已根据文件创建稿件
    #1…」 to the message's response_url. WeCom shows it to the member but answers after the API timeout. The
    dispatcher takes the timeout for a failure and tries again: the response_url is used up now (single use), so
    the answer goes again as an app message — the member reads the same answer twice, from the bot and from the
    app. Expected: an answer whose response_url WeCom may have taken, found used up on the retry, is done (it is
    ours that used it), not sent a second way."""
    fake_wecom.fail("aibot/response", "late")
    url = f"{fake_wecom.base_url}/cgi-bin/aibot/response?response_code=R1"
    with live.sessions.begin() as session:
        msg = Incoming("aibot", "zhangsan", "aibot:m1", chat_type="single", response_url=url)
        outbox.reply(session, "zhangsan", outbox.reply_route(msg, clock()), "已根据文件创建稿件 #1《乐昌开展宣传》",
                     "file:aibot:m1:done", clock())
    drain(live)
    for _ in range(3):
        clock.advance(minutes=1)
        drain(live)
    assert len(fake_wecom.of("aibot/response", accepted_only=True)) == 1
    assert app_texts(fake_wecom, "zhangsan") == [], "the answer reached the member twice"
    with live.sessions.begin() as session:
        assert [m.state for m in session.scalars(select(OutboxMessage))] == [OutboxState.sent]


class Killed(BaseException):
    """The dispatcher's process killed (kill -9, a power cut) at this point."""


def dies_after_sending(dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """One pass of `dispatcher`, killed once its send is made, before the outcome is recorded."""

    def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    monkeypatch.setattr(dispatcher, "_finish", killed)
    with pytest.raises(Killed):
        dispatcher.run_once()


def test_a_group_post_made_just_before_the_dispatcher_died_is_not_posted_again(
        wecom_settings: Settings, fake_wecom: FakeWeCom, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dispatcher posts a 用稿反馈 to the work group through the group robot; WeCom posts it and answers ok,
    and the dispatcher's process is killed (a restart, the server rebooted) before it records the row as sent.
    When its lease runs out, the next dispatcher takes the row up again and posts the same 用稿反馈 a second time:
    the group robot has no duplicate check, so the whole group sees it twice. Expected: as for a post WeCom
    answered too late, a group post that may have gone is not repeated; the admins are told to look first."""
    runtime = group_runtime(wecom_settings, clock, group_channel="webhook", group_webhook_key=SecretStr(WEBHOOK_KEY))
    try:
        with runtime.sessions.begin() as session:
            members.import_csv(session, io.StringIO(OFFICE_CSV), clock())
            outbox.to_group(session, "published:1:1", ["**用稿反馈**：《乐昌开展地质灾害应急演练》"], clock())
        assert group_posts_when_the_dispatcher_dies_after_posting(runtime, fake_wecom, clock, monkeypatch) == 1, \
            "the group saw the post twice"
        with runtime.sessions.begin() as session:
            told = [m.payload["text"]["content"] for m in session.scalars(select(OutboxMessage).where(
                OutboxMessage.recipient == "admin", OutboxMessage.dedupe_key.startswith("deadletter:")))]
        assert len(told) == 1 and "请先在群里查看，没有看到再运行 newsbot outbox retry" in told[0], told
    finally:
        runtime.close()


def test_group_posts_claimed_but_not_yet_begun_when_the_dispatcher_died_are_sent(
        wecom_settings: Settings, fake_wecom: FakeWeCom, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other side of the same guard: rows a killed dispatcher had claimed but not yet handed to WeCom go out
    once its lease runs out (nothing lost)."""
    runtime = group_runtime(wecom_settings, clock, group_channel="webhook", group_webhook_key=SecretStr(WEBHOOK_KEY))
    try:
        with runtime.sessions.begin() as session:
            for n in range(3):
                outbox.to_group(session, f"published:{n}:1", [f"**用稿反馈**：《稿件{n}》"], clock())
        dying = runtime.dispatcher()
        monkeypatch.setattr(dying, "_still_ours", lambda message: (_ for _ in ()).throw(Killed()))
        with pytest.raises(Killed):
            dying.run_once()
        clock.advance(minutes=3)
        drain(runtime)
        posted = [c.body["markdown"]["content"] for c in fake_wecom.of("webhook/send", accepted_only=True) if c.body]
        assert posted == [f"**用稿反馈**：《稿件{n}》" for n in range(3)]
    finally:
        runtime.close()
