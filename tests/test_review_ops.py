"""Running newsbot in production and knowing when it is sick: /metrics, /healthz and what each process logs."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from bot.config import Settings
from bot.observability import announce_process
from bot.outbox import DispatcherThread
from bot.runtime import Runtime
from models import JobRun, OutboxMessage, OutboxState
from tests.test_delivery import cli_env
from tests.test_deployment import count, newsbot, server_env, serving, stop
from tests.test_deployment import say as deliver_say
from tests.wecom_sim import WeComSimulator, say


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def test_metrics_still_show_the_callbacks_while_the_database_is_down(
        client: TestClient, wecom: WeComSimulator, office: Runtime, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The database goes away (PostgreSQL restarting, a full disk): every callback is answered 「出错了」 and
    counted as `error`. Prometheus scrapes /metrics to see that rise: it got a 500 and a traceback in the log
    for every scrape, so the error counter was invisible exactly while it mattered. It should get the process's
    counters, and `newsbot_database_up 0` instead of the outbox and scheduler figures it cannot read."""
    say(client, wecom, "zhangsan", "帮助")
    gone = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'newsbot.db'}")
    monkeypatch.setattr(office, "db", gone)
    monkeypatch.setattr(office, "sessions", sessionmaker(gone))
    monkeypatch.setattr(office.commands, "sessions", sessionmaker(gone))
    say(client, wecom, "zhangsan", "稿件")  # answered with the apology, counted as an error
    figures = samples(client)
    assert figures[("newsbot_database_up", ())] == 0
    assert figures[("newsbot_callbacks_total", (("endpoint", "app"), ("outcome", "error")))] >= 1
    assert figures[("newsbot_callbacks_total", (("endpoint", "app"), ("outcome", "ok")))] >= 1
    assert not any(name == "newsbot_outbox_messages" for name, _ in figures)  # unknown, not 0
    assert client.get("/healthz").status_code == 503
    monkeypatch.undo()
    assert samples(client)[("newsbot_database_up", ())] == 1


@contextmanager
def schema_at(runtime: Runtime, revision: str) -> Iterator[None]:
    with runtime.db.begin() as connection:
        actual = connection.scalar(text("SELECT version_num FROM alembic_version"))
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    try:
        yield
    finally:
        with runtime.db.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": actual})


@pytest.mark.parametrize("revision", ["0037", "9999"])
def test_healthz_fails_when_the_database_is_not_this_releases_schema(client: TestClient, office: Runtime,
                                                                      revision: str) -> None:
    """An admin installs a new release and a web worker is restarted on it before `newsbot db upgrade` (or
    restores an older backup, or runs a newer release's upgrade under the running bot): /healthz said
    {"status": "ok"} while every callback misread the tables. It should answer 503 and name both revisions."""
    assert client.get("/healthz").status_code == 200
    with schema_at(office, revision):
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["status"] == "error"
        assert revision in response.json()["schema"]
    assert client.get("/healthz").status_code == 200


def test_serve_no_dispatcher_no_scheduler_hold_with_one_worker(office: Runtime, settings: Settings,
                                                               tmp_path: Path) -> None:
    """An admin runs `newsbot serve --no-dispatcher --no-scheduler` (one worker) beside a `newsbot dispatcher`
    and a `newsbot scheduler`, or to keep the calendar quiet for a while. The flags were ignored with one worker
    (the settings had been read before the flags became NEWSBOT_DISPATCHER=off and NEWSBOT_SCHEDULER=off): the
    server sent the outbox and ran the calendar all the same. They should hold, as with `--workers 4`."""
    env = server_env(settings)
    wecom = WeComSimulator(now=time.time, corp_id=settings.wecom_corp_id)
    schedule = subprocess.run([sys.executable, "-m", "bot.cli", "schedule", "set", "study_reminder",
                               "second=*/1", "minute=*", "hour=*", "day=*", "grace=1"],
                              env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert schedule.returncode == 0, schedule.stderr
    with serving(env, tmp_path, "--no-dispatcher", "--no-scheduler") as (url, _):
        assert "已收到投稿 #1" in deliver_say(url, wecom, "zhangsan", "投稿 标题\n正文")  # the editor is told
        time.sleep(3)  # 30 outbox polls, 15 calendar ticks
    assert count(office, OutboxMessage, OutboxMessage.state == OutboxState.pending) >= 1
    assert count(office, JobRun) == 0


def wait_for(log: Path, needle: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [line for line in (log.read_text() if log.exists() else "").splitlines() if needle in line]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no line with {needle!r} in:\n{log.read_text() if log.exists() else ''}")


def test_each_process_says_what_it_is_when_it_starts(settings: Settings, tmp_path: Path) -> None:
    """An admin runs docs/deployment.md's layout as three units and reads `journalctl -u newsbot-scheduler`:
    it was empty (the scheduler logged nothing until a job failed), and `serve --no-dispatcher` did not say
    that nothing in it sends the outbox. Each process should say, once at start, what it is, what it runs
    and which database it uses (never the password)."""
    env = cli_env(settings) | {"NEWSBOT_SCHEDULER_TICK_SECONDS": "60", "NEWSBOT_OUTBOX_POLL_SECONDS": "60"}
    for command in ("scheduler", "dispatcher"):
        log = tmp_path / f"{command}.log"
        process = newsbot(env, tmp_path, command, log=log)
        try:
            line = wait_for(log, f"newsbot {command} ")
        finally:
            stop(process)
        assert "pid=" in line and "database=" in line
    log = tmp_path / "serve.log"
    with serving(env, tmp_path, "--no-dispatcher", log=log):
        line = wait_for(log, "newsbot serve ")
    assert "dispatcher=off" in line and "calendar=on" in line and "newsbot dispatcher" in line


def test_the_start_line_never_shows_the_database_password(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="newsbot.process")
    announce_process("dispatcher", "postgresql+psycopg://newsbot:S3cret-pw@db:5432/newsbot", "poll=1s")
    assert "newsbot dispatcher pid=" in caplog.text and "newsbot:***@db:5432/newsbot" in caplog.text
    assert "S3cret-pw" not in caplog.text


class Unreachable:
    """A dispatcher whose database is down for `failing` passes, then back."""

    def __init__(self, failing: int) -> None:
        self.failing, self.passes = failing, 0

    def run_once(self) -> int:
        self.passes += 1
        if self.passes <= self.failing:
            raise OperationalError("SELECT …", {}, ConnectionRefusedError("connection refused"))
        return 0


def test_a_database_outage_does_not_flood_the_dispatchers_log(caplog: pytest.LogCaptureFixture) -> None:
    """PostgreSQL restarts for a minute. Each dispatcher (one per web worker unless --no-dispatcher) logged a
    full traceback every poll (1 s): some 60 lines a second per process, enough for journald's rate limit to
    drop lines, the callbacks' among them. The first failure should carry the traceback, the following ones be
    quiet (a line now and then), and the recovery said once."""
    caplog.set_level(logging.INFO, logger="bot.outbox")
    dispatcher = Unreachable(failing=200)
    worker = DispatcherThread(dispatcher, 0.005)  # type: ignore[arg-type]
    worker.start()
    deadline = time.monotonic() + 30
    while dispatcher.passes < 210 and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.stop()
    records = [r for r in caplog.records if r.name == "bot.outbox"]
    assert sum(r.exc_info is not None for r in records) == 1
    assert len(records) <= 5
    assert "recovered" in records[-1].getMessage() and "200" in records[-1].getMessage()
