"""Review of today's concurrency paths: two dispatchers, a dispatcher dying or losing its lease mid-send."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pydantic import SecretStr

from bot import outbox
from bot.config import Settings
from bot.domain import members
from bot.messages import Incoming
from tests.conftest import OFFICE_CSV, FrozenClock
from tests.fake_wecom import WEBHOOK_KEY, FakeWeCom
from tests.test_delivery import drain, group_runtime
from tests.test_review_faults import dies_after_sending


def test_a_late_ai_bot_answer_posted_to_the_group_just_before_the_dispatcher_died_is_not_posted_again(
        wecom_settings: Settings, fake_wecom: FakeWeCom, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member @-mentions the AI bot in the work group with a Word file; the answer (「已根据文件创建稿件 #1…」)
    comes after its response_url expired, so it goes to the group as a post. The group robot posts it and the
    dispatcher's process is killed (a restart) before it records the row; once its lease runs out, the next
    dispatcher takes the row up and posts the same answer to the whole group again: the group's own posts are
    marked as handed over before they go (not posted twice), a late answer falling back to the group was not.
    Expected: posted once; the admins are told to look in the group first, as for any group post."""
    runtime = group_runtime(wecom_settings, clock, group_channel="webhook", group_webhook_key=SecretStr(WEBHOOK_KEY))
    try:
        with runtime.sessions.begin() as session:
            members.import_csv(session, io.StringIO(OFFICE_CSV), clock())
            msg = Incoming("aibot", "zhangsan", "aibot:g1", chat_type="group", chat_id="CHATID",
                           response_url=f"{fake_wecom.base_url}/cgi-bin/aibot/response?response_code=G")
            outbox.reply(session, "zhangsan", outbox.reply_route(msg, clock() - timedelta(hours=2)),
                         "已根据文件创建稿件 #1《乐昌开展宣传》", "file:aibot:g1:done", clock())
        dies_after_sending(runtime.dispatcher(), monkeypatch)
        assert len(fake_wecom.of("webhook/send", accepted_only=True)) == 1
        clock.advance(minutes=3)  # the lease has run out
        drain(runtime)
        clock.advance(minutes=5)
        drain(runtime)
        assert len(fake_wecom.of("webhook/send", accepted_only=True)) == 1, "the group saw the answer twice"
    finally:
        runtime.close()
