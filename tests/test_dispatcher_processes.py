"""`newsbot dispatcher` as real processes: killed mid-batch, and two at once on one database."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from bot import outbox
from bot.config import Settings
from bot.runtime import Runtime
from models import OutboxMessage, OutboxState
from tests.fake_wecom import FakeWeCom
from tests.test_delivery import cli_env, rows


def queue(runtime: Runtime, count: int) -> list[str]:
    """`count` texts to ten members: well inside what WeCom lets an app send one member in a minute."""
    texts = [f"消息{n:03d}" for n in range(count)]
    with runtime.sessions.begin() as session:
        for n, text in enumerate(texts):
            outbox.enqueue(session, channel=outbox.APP, recipient=f"member{n % 10}", payload=outbox.text(text),
                           dedupe_key=text, now=runtime.clock() - timedelta(seconds=1))
    return texts


def accepted(fake: FakeWeCom) -> Counter[str]:
    return Counter(c.body["text"]["content"] for c in fake.of("message/send", accepted_only=True) if c.body)


def dispatcher(settings: Settings, cwd: Path, *args: str) -> subprocess.Popen[str]:
    env = cli_env(settings) | {"NEWSBOT_WECOM_API_TIMEOUT_SECONDS": "10", "NEWSBOT_OUTBOX_POLL_SECONDS": "0.1"}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "dispatcher", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_q10_kill_9_mid_batch_loses_nothing(live: Runtime, wecom_settings: Settings, fake_wecom: FakeWeCom,
                                            tmp_path: Path) -> None:
    texts = queue(live, 30)
    fake_wecom.hang_seconds = 5
    # The fifth send is taken by WeCom, its answer late: the process is killed mid-batch, mid-send.
    fake_wecom.fail("message/send", *([None] * 4), "late")
    process = dispatcher(wecom_settings, tmp_path)
    deadline = time.monotonic() + 30
    while len(fake_wecom.of("message/send")) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert 4 <= sum(accepted(fake_wecom).values()) < 30
    with live.sessions.begin() as session:  # as if the leases had run out
        session.execute(update(OutboxMessage).where(OutboxMessage.state == OutboxState.sending)
                        .values(lease_until=live.clock() - timedelta(seconds=1)))
    finisher = dispatcher(wecom_settings, tmp_path, "--until-idle")
    assert finisher.wait(timeout=60) == 0, finisher.stderr.read() if finisher.stderr else ""
    counts = accepted(fake_wecom)
    assert set(counts) == set(texts)
    assert sum(counts.values()) - len(texts) <= 1  # at most the one that was in flight, sent again…
    got = Counter(body["text"]["content"] for sent in fake_wecom.delivered.values() for _, body in sent)
    assert got == Counter(texts)  # …and dropped by WeCom's duplicate check: each member got each message once
    assert {r.state for r in rows(live)} == {OutboxState.sent}


def test_q12_two_dispatcher_processes_send_every_row_exactly_once(live: Runtime, wecom_settings: Settings,
                                                                  fake_wecom: FakeWeCom, tmp_path: Path) -> None:
    texts = queue(live, 200)
    first, second = dispatcher(wecom_settings, tmp_path, "--until-idle"), dispatcher(wecom_settings, tmp_path,
                                                                                      "--until-idle")
    assert first.wait(timeout=120) == 0 and second.wait(timeout=120) == 0
    assert accepted(fake_wecom) == Counter(texts)
    assert {r.state for r in rows(live)} == {OutboxState.sent}
    assert len(fake_wecom.of("gettoken")) == 1  # the token is shared through the database
