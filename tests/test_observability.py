"""Observability: one structured log line per callback (never text or secrets) and `GET /metrics`."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from bot.observability import skip_callback_access
from bot.runtime import Runtime
from models import JobRun
from tests.conftest import FrozenClock
from tests.wecom_sim import WeComSimulator, post, say

ROOT = Path(__file__).resolve().parent.parent


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def callbacks(figures: dict[tuple[str, tuple[tuple[str, str], ...]], float], outcome: str) -> float:
    return figures.get(("newsbot_callbacks_total", (("endpoint", "app"), ("outcome", outcome))), 0.0)


def handled(figures: dict[tuple[str, tuple[tuple[str, str], ...]], float], command: str) -> float:
    return figures.get(("newsbot_handler_seconds_count", (("command", command),)), 0.0)


def test_metrics_count_callbacks_by_outcome_and_time_handlers(client: TestClient, wecom: WeComSimulator) -> None:
    before = scrape(client)
    say(client, wecom, "zhangsan", "投稿 标题\n正文")
    callback = wecom.callback(wecom.text("zhangsan", "稿件"))
    post(client, callback)
    post(client, callback)  # WeCom's retry
    assert post(client, wecom.callback(wecom.text("zhangsan", "稿件")).tampered("signature")).status_code == 403
    say(client, wecom, "zhangsan", "胡言乱语")
    after = scrape(client)

    assert callbacks(after, "ok") - callbacks(before, "ok") == 2
    assert callbacks(after, "duplicate") - callbacks(before, "duplicate") == 1
    assert callbacks(after, "rejected") - callbacks(before, "rejected") == 1
    assert callbacks(after, "unknown_command") - callbacks(before, "unknown_command") == 1
    assert handled(after, "投稿") - handled(before, "投稿") == 1
    assert handled(after, "稿件") - handled(before, "稿件") == 1


def test_metrics_report_the_outbox_and_scheduler_from_the_database(client: TestClient, wecom: WeComSimulator,
                                                                   office: Runtime) -> None:
    say(client, wecom, "zhangsan", "投稿 标题\n正文")  # tells the editor: one pending outbox row
    now = datetime(2026, 6, 1, 1, tzinfo=UTC)
    with office.sessions.begin() as session:
        for period, outcome in (("a", "done"), ("b", "done"), ("c", "skipped")):
            session.add(JobRun(schedule_id="monthly_report", period=period, claimed_by="test", claimed_at=now,
                               outcome=outcome))
    figures = scrape(client)
    assert figures[("newsbot_outbox_messages", (("state", "pending"),))] == 1
    assert figures[("newsbot_outbox_messages", (("state", "dead"),))] == 0
    runs = (("outcome", "done"), ("schedule", "monthly_report"))
    assert figures[("newsbot_scheduler_runs", runs)] == 2


def test_one_log_line_per_callback_without_text_or_secrets(client: TestClient, wecom: WeComSimulator,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="newsbot.callback")
    say(client, wecom, "zhangsan", "投稿 机密标题\n机密正文")
    post(client, wecom.callback(wecom.text("zhangsan", "稿件")).tampered("timestamp"))
    lines = [record.getMessage() for record in caplog.records if record.name == "newsbot.callback"]
    assert len(lines) == 2
    handled_line, rejected_line = lines
    assert handled_line.startswith("callback endpoint=app key=app:")
    assert " member=zhangsan command=投稿 outcome=ok ms=" in handled_line
    assert 'outcome=rejected' in rejected_line and 'reason="bad signature"' in rejected_line
    everything = caplog.text
    assert "机密" not in everything
    assert wecom.token not in everything and wecom.aes_key not in everything


def test_an_unexpected_failure_is_still_logged_and_counted(office: Runtime, wecom: WeComSimulator,
                                                           clock: FrozenClock, caplog: pytest.LogCaptureFixture,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(office, dispatcher=False, wall_clock=clock.timestamp)

    def broken(*_args: object) -> str:
        raise RuntimeError("the reply could not be encrypted")

    monkeypatch.setattr(app.state.app_callback.crypto, "encrypt_xml", broken)
    caplog.set_level(logging.INFO, logger="newsbot.callback")
    with TestClient(app, raise_server_exceptions=False) as client:
        before = callbacks(scrape(client), "error")
        assert post(client, wecom.callback(wecom.text("zhangsan", "帮助"))).status_code == 500
        assert callbacks(scrape(client), "error") - before == 1
    lines = [record.getMessage() for record in caplog.records if record.name == "newsbot.callback"]
    assert len(lines) == 1 and "outcome=error" in lines[0]


@pytest.mark.parametrize(("method", "path", "status", "kept"), [
    ("POST", "/wecom/callback?msg_signature=x", 200, False),  # its own line says more
    ("POST", "/wecom/aibot?msg_signature=x", 200, False),
    ("POST", "/wecom/callback?msg_signature=x", 403, True),  # refused: the access line names the client
    ("GET", "/wecom/callback?echostr=x", 200, True),
    ("GET", "/metrics", 200, True),
])
def test_uvicorns_access_line_is_dropped_only_for_answered_callbacks(method: str, path: str, status: int,
                                                                      kept: bool) -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("10.0.0.7:5000", method, path, "1.1", status), None)
    assert skip_callback_access(record) is kept


def test_wecom_secrets_in_request_urls_never_reach_the_log() -> None:
    """gettoken?corpsecret=…, ?access_token=… and webhook/send?key=… are URLs httpx would log at INFO."""
    script = textwrap.dedent("""
        import httpx
        from bot.observability import configure_logging
        from bot.wecom.client import WeComClient

        configure_logging()

        def answer(request):
            if request.url.path.endswith("gettoken"):
                return httpx.Response(200, json={"access_token": "ACCESS-TOKEN-XYZ", "expires_in": 7200})
            return httpx.Response(200, json={"errcode": 0, "invaliduser": ""})

        class Tokens:
            def get(self, fetch, stale=None):
                return fetch()[0]

        client = WeComClient("https://wecom.test", "ww-corp", "CORP-SECRET-123", 1000002, Tokens(),
                             http=httpx.Client(transport=httpx.MockTransport(answer)))
        client.send_message(["zhangsan"], {"msgtype": "text", "text": {"content": "hi"}})
        client.send_webhook("ROBOT-KEY-456", {"msgtype": "text", "text": {"content": "hi"}})
        logging = __import__("logging")
        logging.getLogger("newsbot.test").info("logging works")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "logging works" in done.stderr
    for secret in ("CORP-SECRET-123", "ACCESS-TOKEN-XYZ", "ROBOT-KEY-456"):
        assert secret not in done.stderr
