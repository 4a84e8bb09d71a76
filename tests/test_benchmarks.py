"""The benchmark scripts run from a checkout and measure what they claim to, at small sizes."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_the_webhook_benchmark_sends_only_new_messages(tmp_path: Path) -> None:
    """A repeated MsgId would be answered from the stored reply and measure a retry, not a message."""
    figures = tmp_path / "webhook.json"
    done = run("webhook.py", "--requests", "40", "--concurrency", "1", "4", "--json", str(figures))
    assert done.returncode == 0, done.stderr
    report = json.loads(figures.read_text())
    assert [(row["target"], row["requests"], row["errors"]) for row in report["results"]] == [
        ("newsbot", 40, 0), ("bare FastAPI", 40, 0)] * 2
    assert report["answers"] == {"ok": 300 + 2 * 40}  # the warm-up and both levels, each handled once


def test_the_scale_benchmark_times_every_command_at_each_size(tmp_path: Path) -> None:
    figures = tmp_path / "scale.json"
    done = run("scale.py", "--sizes", "100", "300", "--json", str(figures))
    assert done.returncode == 0, done.stderr
    rows = json.loads(figures.read_text())
    assert [row["drafts"] for row in rows] == [100, 300]
    for row in rows:
        assert all(row[name] > 0 for name in ("统计", "排行", "积分", "稿件 (list)", "稿件 #N", "投稿", "发送")), row


def test_the_load_client_does_not_reuse_a_connection_the_server_may_be_closing() -> None:
    """uvicorn closes a keep-alive connection idle for 5 s: a request sent as it closes is never read."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from webhook import Client

    async def scenario() -> tuple[list[int], int]:
        connections = []

        async def answer_once_then_drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connections.append(writer)
            for answer in (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", None):
                head = await reader.readuntil(b"\r\n\r\n")
                await reader.readexactly(int(re.search(rb"Content-Length: (\d+)", head)[1]))  # type: ignore[index]
                if answer is None:  # as when the idle timeout closes it under a request
                    writer.close()
                    return
                writer.write(answer)

        server = await asyncio.start_server(answer_once_then_drop, "127.0.0.1", 0)
        client = Client(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/cb")
        request = client.prepare({}, b"x")
        statuses = [await client.send(request)]
        reader, writer, since = client.idle.pop()
        client.idle.append((reader, writer, since - Client.MAX_IDLE))  # idle for long: left alone
        statuses.append(await client.send(request))  # a new connection
        statuses.append(await client.send(request))  # reused, dropped by the server: an error, no retry
        client.close()
        server.close()
        return statuses, len(connections)

    statuses, opened = asyncio.run(scenario())
    assert statuses == [200, 200, 0]
    assert opened == 2


@pytest.mark.skipif(not shutil.which("valgrind"), reason="valgrind is not installed")
def test_the_instruction_count_covers_only_the_measured_callbacks() -> None:
    counts = {}
    for requests in (10, 20):
        done = run("instructions.py", "--requests", str(requests))
        assert done.returncode == 0, done.stderr
        per_callback = re.search(r"([\d.]+) M$", done.stdout.strip())
        assert per_callback, done.stdout
        counts[requests] = float(per_callback.group(1))
    # Per callback, 10 and 20 callbacks cost about the same: start-up and warm-up are not counted.
    assert 1 < counts[10] < 50 and abs(counts[10] - counts[20]) < 0.25 * counts[20]


@pytest.mark.skipif(not shutil.which("valgrind"), reason="valgrind is not installed")
def test_the_server_instruction_count_sets_newsbot_beside_the_bare_endpoint() -> None:
    done = run("instructions.py", "--server", "--requests", "20")
    assert done.returncode == 0, done.stderr
    counts = dict(re.findall(r"^(sqlite|bare FastAPI) +20 +([\d.]+) M$", done.stdout, re.MULTILINE))
    assert counts.keys() == {"sqlite", "bare FastAPI"}, done.stdout
    # Both are counted, after their warm-ups: the bare endpoint costs something, and less than newsbot.
    assert 0.2 < float(counts["bare FastAPI"]) < float(counts["sqlite"]) < 50
    assert re.search(r"^bare / newsbot: \d+%$", done.stdout, re.MULTILINE)
