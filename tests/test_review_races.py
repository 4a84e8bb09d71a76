"""Review of today's concurrency paths: two dispatchers, a dispatcher dying or losing its lease mid-send."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot import outbox
from bot.config import Settings
from bot.domain import members
from bot.messages import Incoming
from bot.runtime import Runtime
from models import Member, Role
from tests.conftest import OFFICE_CSV, PG_URL, FrozenClock, Sent
from tests.fake_wecom import WEBHOOK_KEY, FakeWeCom
from tests.test_delivery import group_runtime
from tests.test_held_races import hold, in_thread, say
from tests.test_review_faults import group_posts_when_the_dispatcher_dies_after_posting

pg_only = pytest.mark.skipif(not PG_URL, reason="PostgreSQL's row-level concurrency; SQLite serialises")


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
        assert group_posts_when_the_dispatcher_dies_after_posting(runtime, fake_wecom, clock, monkeypatch) == 1, \
            "the group saw the answer twice"
    finally:
        runtime.close()


@pg_only
def test_members_import_while_a_newsbot_admins_account_sends_its_first_message(
        settings: Settings, clock: FrozenClock, sent: Sent, monkeypatch: pytest.MonkeyPatch) -> None:
    """At set-up the admin (NEWSBOT_ADMINS=admin) runs `newsbot members import office.csv`, which lists him, while
    his first message to the bot (「帮助」) is being answered: the message inserted his member row (if new), not yet
    committed; the import, which read the members before, inserts the same account and fails on its userid (a
    traceback, nothing imported). Expected: the import goes through, giving the row the file's name and roles."""
    runtime = Runtime.build(settings.model_copy(update={"admins": "admin"}), clock=clock,
                            transports={"app": sent.transport(), "group": sent.transport()})
    try:
        with hold(monkeypatch, members, "for_message") as (reached, release):
            first, said = in_thread(lambda: say(runtime, "admin", "帮助", "t:1"))
            assert reached.wait(timeout=30)

            def imported() -> members.ImportResult:
                with runtime.sessions.begin() as session:
                    return members.import_csv(session, io.StringIO(OFFICE_CSV), clock())

            errors: list[BaseException] = []
            other = threading.Thread(target=lambda: _catching(imported, errors), name="other-side", daemon=True)
            other.start()
            other.join(timeout=2)
            release.set()
            first.join(timeout=30)
            other.join(timeout=30)
        assert not errors, errors
        assert said and "出错" not in said[0], said
        with runtime.sessions.begin() as session:
            qian = session.scalars(select(Member).where(Member.userid == "admin")).one()
            assert qian.name == "钱主任" and Role.admin in qian.roles, (qian.name, qian.roles)
    finally:
        runtime.close()


def _catching(target: Callable[[], object], errors: list[BaseException]) -> None:
    try:
        target()
    except Exception as exc:  # the import's failure, kept for the assertion
        errors.append(exc)
