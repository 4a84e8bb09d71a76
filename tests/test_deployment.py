"""Real `newsbot` processes: the multi-process deployment end to end, and `kill -9` of the server mid-burst."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.config import Settings
from bot.runtime import Runtime
from models import AuditEvent, Draft, DraftState, InboundMessage, JobRun, OutboxMessage, OutboxState
from tests.fake_wecom import FakeWeCom
from tests.loopback import free_port
from tests.test_delivery import cli_env
from tests.wecom_sim import Callback, WeComSimulator


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    return cli_env(settings) | {
        "NEWSBOT_WECOM_TOKEN": settings.wecom_token.get_secret_value(),
        "NEWSBOT_WECOM_AES_KEY": settings.wecom_aes_key.get_secret_value(),
        "NEWSBOT_RATE_LIMIT_PER_MINUTE": "1000", "NEWSBOT_OUTBOX_POLL_SECONDS": "0.1",
        "NEWSBOT_SCHEDULER_TICK_SECONDS": "0.2"} | extra


def newsbot(env: dict[str, str], cwd: Path, *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    output = log.open("ab") if log else subprocess.DEVNULL  # stdout too: uvicorn's access log goes there
    return subprocess.Popen([sys.executable, "-m", "bot.cli", *args], env=env, cwd=cwd, stdout=output, stderr=output)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a server stops its workers), then SIGKILL if it takes too long."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def serving(env: dict[str, str], cwd: Path, *args: str,
            log: Path | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`newsbot serve` on a free loopback port, ready when /healthz answers; stopped (or found killed) after."""
    port = free_port()
    process = newsbot(env, cwd, "serve", "--port", str(port), *args, log=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "newsbot serve did not start"
            time.sleep(0.1)
        yield url, process
    finally:
        stop(process)


def deliver(url: str, callback: Callback) -> httpx.Response:
    return httpx.post(f"{url}/wecom/callback", params=callback.query, content=callback.body, timeout=10)


def say(url: str, wecom: WeComSimulator, userid: str, text: str) -> str:
    """One message, delivered twice as WeCom does when the first answer is slow; both answers must agree."""
    callback = wecom.callback(wecom.text(userid, text))
    first, retry = deliver(url, callback), deliver(url, callback)
    assert first.status_code == retry.status_code == 200
    assert wecom.reply_content(first.text) == wecom.reply_content(retry.text)
    return wecom.reply_content(first.text)


def wait_until(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def count(runtime: Runtime, model: type, *where: object) -> int:
    with runtime.sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def callbacks_total(url: str) -> float:
    families = text_string_to_metric_families(httpx.get(f"{url}/metrics", timeout=5).text)
    return sum(sample.value for family in families for sample in family.samples
               if sample.name == "newsbot_callbacks_total")


def test_four_web_workers_a_dispatcher_and_a_scheduler_run_the_whole_workflow(
        live: Runtime, wecom_settings: Settings, fake_wecom: FakeWeCom, tmp_path: Path) -> None:
    """docs/deployment.md's layout for real: `serve --workers 4 --no-scheduler --no-dispatcher`, one
    `newsbot dispatcher`, one `newsbot scheduler`, all on the test database (PostgreSQL in CI)."""
    env = server_env(wecom_settings)
    wecom = WeComSimulator(now=time.time, corp_id=wecom_settings.wecom_corp_id)
    schedule = subprocess.run([sys.executable, "-m", "bot.cli", "schedule", "set", "study_reminder",
                               "second=*/2", "minute=*", "hour=*", "day=*", "grace=1"],
                              env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert schedule.returncode == 0, schedule.stderr
    helpers = [newsbot(env, tmp_path, "dispatcher"), newsbot(env, tmp_path, "scheduler")]
    log = tmp_path / "serve.log"
    try:
        with serving(env, tmp_path, "--workers", "4", "--no-scheduler", "--no-dispatcher", log=log) as (url, _):
            assert "已收到投稿 #1" in say(url, wecom, "zhangsan", "投稿 乐昌开展世界地球日宣传\n4月22日上午，……")
            assert "当前编辑中" in say(url, wecom, "lisi", "修改 #1\n4月22日上午，我局在人民广场开展宣传。")
            assert "已通知审核人" in say(url, wecom, "lisi", "送审 #1")
            with ThreadPoolExecutor(2) as pool:  # both approvers at once, through different workers
                replies = list(pool.map(lambda who: say(url, wecom, who, "批准 #1"), ["wangwu", "zhouqi"]))
            assert sum("已批准稿件 #1" in reply for reply in replies) == 1
            assert sum("已由" in reply for reply in replies) == 1
            with ThreadPoolExecutor(16) as pool:  # a burst of reads spread over the workers
                assert all("#1" in reply for reply in pool.map(
                    lambda _: say(url, wecom, "zhangsan", "稿件"), range(32)))
            # 37 messages, each delivered twice: the counters of all four workers add up in /metrics.
            assert callbacks_total(url) == 74
            wait_until(lambda: count(live, JobRun, JobRun.schedule_id == "study_reminder",
                                     JobRun.outcome == "done") >= 1)
            wait_until(lambda: count(live, OutboxMessage, OutboxMessage.state != OutboxState.sent) == 0)
    finally:
        for process in helpers:
            stop(process)
    lines = [line for line in log.read_text().splitlines() if " newsbot.callback: callback endpoint=app " in line]
    assert len(lines) == 74  # every worker logs its callbacks: one line each
    assert sum(" command=批准 outcome=ok " in line for line in lines) == 1
    assert not any("乐昌" in line for line in lines)  # never the message text
    access = [line for line in log.read_text().splitlines() if " HTTP/1.1" in line]
    assert any("GET /metrics" in line for line in access)  # uvicorn's access line stays for other requests,
    assert not any("POST /wecom/callback" in line for line in access)  # not beside the callback's own

    with live.sessions.begin() as session:
        assert session.get(Draft, 1).state == DraftState.approved
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "approve")) == 1
    sent = Counter(json.dumps(call.body, ensure_ascii=False) for call in fake_wecom.of("message/send", True))
    assert sent and set(sent.values()) == {1}  # every notification sent once, by the one dispatcher
    told = [call.body["text"]["content"] for call in fake_wecom.of("message/send", True)
            if call.body and call.body.get("touser") == "zhangsan" and "text" in call.body]
    assert any("已由" in text and "批准" in text for text in told)


def test_q09_kill_9_of_serve_mid_burst_then_retries_handle_each_message_once(
        live: Runtime, wecom_settings: Settings, tmp_path: Path) -> None:
    env = server_env(wecom_settings, NEWSBOT_SCHEDULER="off", NEWSBOT_DISPATCHER="off")
    wecom = WeComSimulator(now=time.time, corp_id=wecom_settings.wecom_corp_id)
    authors = ["zhangsan", "xiaoli", "lisi"]
    burst = [wecom.callback(wecom.text(authors[n % 3], f"投稿 稿件{n:03d}\n第{n}篇的正文。")) for n in range(400)]
    answered: dict[int, str] = {}

    def send(n: int) -> None:
        try:
            response = deliver(url, burst[n])
        except httpx.TransportError:
            return  # the server died under this request: WeCom will retry it
        if response.status_code == 200:
            answered[n] = wecom.reply_content(response.text)

    with serving(env, tmp_path) as (url, process), ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(send, n) for n in range(len(burst))]
        wait_until(lambda: count(live, Draft) >= 20)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        for future in futures:
            future.result()
    assert 20 <= count(live, Draft) < len(burst), "the kill must land mid-burst"

    with serving(env, tmp_path) as (url, _):  # restarted: WeCom retries every message (all of them, to be sure)
        retried = {n: wecom.reply_content(deliver(url, callback).text) for n, callback in enumerate(burst)}
    for n, reply in answered.items():
        assert retried[n] == reply  # a retry of an answered message gets the same answer
    assert all("已收到投稿 #" in reply for reply in retried.values())

    with live.sessions.begin() as session:
        titles = Counter(session.scalars(select(Draft.title)))
        assert titles == Counter(f"稿件{n:03d}" for n in range(len(burst)))  # each message handled exactly once
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == len(burst)
        submits = Counter(session.scalars(select(AuditEvent.draft_id).where(AuditEvent.action == "submit")))
        assert len(submits) == len(burst) and set(submits.values()) == {1}
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == len(burst)  # each editor told once
