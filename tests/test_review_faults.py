"""Faults on the way out: a send WeCom took but answered late, a dispatcher killed between a send and its record."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot import outbox
from bot.messages import Incoming
from bot.runtime import Runtime
from models import OutboxMessage, OutboxState
from tests.conftest import FrozenClock
from tests.fake_wecom import Call, FakeWeCom
from tests.test_delivery import drain


def took_it_then_answered_late(fake: FakeWeCom, path: str, times: int = 1) -> list[dict[str, Any]]:
    """`path` is served as usual, but its first `times` answers come after the client's timeout; returns what
    WeCom took (errcode 0) on `path`."""
    answer = fake._answer
    slow = {"left": times}
    took: list[dict[str, Any]] = []

    async def late(call: Call) -> Any:
        response = await answer(call)
        if call.path == path and response.status_code == 200 and b'"errcode":0' in bytes(response.body):
            took.append(call.body or {})
        if call.path == path and slow["left"]:
            slow["left"] -= 1
            await asyncio.sleep(fake.hang_seconds)  # longer than the client's timeout
        return response

    fake._answer = late  # type: ignore[method-assign]
    return took


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
    took = took_it_then_answered_late(fake_wecom, "aibot/response")
    url = f"{fake_wecom.base_url}/cgi-bin/aibot/response?response_code=R1"
    with live.sessions.begin() as session:
        msg = Incoming("aibot", "zhangsan", "aibot:m1", chat_type="single", response_url=url)
        outbox.reply(session, "zhangsan", outbox.reply_route(msg, clock()), "已根据文件创建稿件 #1《乐昌开展宣传》",
                     "file:aibot:m1:done", clock())
    drain(live)
    for _ in range(3):
        clock.advance(minutes=1)
        drain(live)
    assert len(took) == 1
    assert app_texts(fake_wecom, "zhangsan") == [], "the answer reached the member twice"
    with live.sessions.begin() as session:
        assert [m.state for m in session.scalars(select(OutboxMessage))] == [OutboxState.sent]
