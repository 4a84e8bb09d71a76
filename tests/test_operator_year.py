"""The office admin and the operator following README and docs/deployment.md for a year."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot import outbox
from bot.config import Settings
from bot.runtime import Runtime
from models import OutboxMessage
from tests.conftest import FrozenClock
from tests.fake_wecom import FakeWeCom
from tests.test_cli import Cli
from tests.test_delivery import drain, group_runtime


def test_a_psycopg2_database_url_is_a_message_not_a_traceback(database_url: str, tmp_path: Path) -> None:
    """The operator moves to PostgreSQL and writes the URL most guides give,
    `NEWSBOT_DATABASE_URL=postgresql+psycopg2://newsbot:…@db/newsbot`, then runs `newsbot db upgrade` (or any
    command). newsbot prints a Python traceback ending in `ModuleNotFoundError: No module named 'psycopg2'`,
    where `postgres://` or `mysql://` get a message naming NEWSBOT_DATABASE_URL and the form to write
    (postgresql+psycopg://)."""
    for command in (("db", "upgrade"), ("drafts", "list")):
        cli = Cli("postgresql+psycopg2://newsbot:secret@127.0.0.1:5432/newsbot", tmp_path)
        result = cli(*command)
        assert result.returncode == 2, result
        assert "Traceback" not in result.stderr, result.stderr[-400:]
        assert "NEWSBOT_DATABASE_URL" in result.stderr and "postgresql+psycopg://" in result.stderr, result.stderr


def test_a_wecom_api_base_url_without_its_scheme_is_named_at_start(database_url: str, tmp_path: Path) -> None:
    """Following 「The fixed IP for WeCom's API」, the admin points NEWSBOT_WECOM_API_BASE_URL at the office's
    proxy and writes it without https:// (`NEWSBOT_WECOM_API_BASE_URL=proxy.lcgt.gov.cn`). Every command
    starts as if all were fine; the dispatcher then logs 「连不上企业微信（UnsupportedProtocol），稍后重试」 and
    「企业微信暂时出错…」 for a whole day, no message reaches anyone (the admins' dead-letter alarm neither), and
    nothing names the setting. Expected: like every other malformed setting, the upgrade check
    (`newsbot outbox list`) refuses to run and names NEWSBOT_WECOM_API_BASE_URL."""
    cli = Cli(database_url, tmp_path)
    cli.env |= {"NEWSBOT_WECOM_CORP_ID": "wwcorp", "NEWSBOT_WECOM_AGENT_ID": "1000002",
                "NEWSBOT_WECOM_SECRET": "secret", "NEWSBOT_WECOM_API_BASE_URL": "proxy.lcgt.gov.cn"}
    result = cli("outbox", "list")
    assert result.returncode == 2, result.stdout
    assert "NEWSBOT_WECOM_API_BASE_URL" in result.stderr, result.stderr


def test_a_group_post_wecom_took_but_answered_late_is_not_posted_twice(live: Runtime, wecom_settings: Settings,
                                                                         fake_wecom: FakeWeCom,
                                                                         clock: FrozenClock) -> None:
    """WeCom is slow for a while (the hour it is "down and back"): it posts the bot's 用稿反馈 in the work group
    but answers appchat/send after NEWSBOT_WECOM_API_TIMEOUT_SECONDS. The dispatcher takes the timeout for a
    failure and posts the same 用稿反馈 again a few seconds later: the whole group sees it twice (appchat/send
    and the group robot have no duplicate check, unlike app messages). Expected: a post that may have reached
    the group is not repeated (nothing sent twice), as for e-mails (可能已发出): the admins are told to look first."""
    fake_wecom.chats["chat-office"] = {"userlist": ["admin", "lisi", "zhangsan"]}
    fake_wecom.fail("appchat/send", "late")
    runtime = group_runtime(wecom_settings, clock, group_channel="appchat", group_chat_id="chat-office")
    try:
        with runtime.sessions.begin() as session:
            lines = ["**用稿反馈**：《乐昌开展地质灾害应急演练》", "> 媒体：韶关日报"]
            outbox.to_group(session, "published:1:1", lines, clock())
        drain(runtime)
        for _ in range(3):
            clock.advance(minutes=5)
            drain(runtime)
        posted = fake_wecom.of("appchat/send", accepted_only=True)  # what the group saw
        assert len(posted) == 1, f"the group got the same 用稿反馈 {len(posted)} times"
        with runtime.sessions.begin() as session:
            told = [m.payload["text"]["content"] for m in session.scalars(select(OutboxMessage).where(
                OutboxMessage.recipient == "admin", OutboxMessage.dedupe_key.startswith("deadletter:")))]
        assert len(told) == 1 and "群消息可能已经发到群里" in told[0], told
        assert "请先在群里查看，没有看到再运行 newsbot outbox retry" in told[0], told
    finally:
        runtime.close()
