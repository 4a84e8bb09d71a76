"""Webhook throughput and latency: `newsbot serve` against a bare FastAPI endpoint on the same server stack.

    .venv/bin/python benchmarks/webhook.py [--requests 2000] [--concurrency 1 16 64] [--database-url URL]
    .venv/bin/python benchmarks/webhook.py --rate 200 --duration 30      # fixed-rate mode

Every request is a distinct encrypted callback (real crypto, a new MsgId): rounds of a 投稿, a 稿件 from a
member who submitted eight rounds before (it lists their drafts), a 帮助, and an approver's 批准 (nothing is
pending: it answers so).
Prints a table and writes the figures as JSON (--json FILE).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import xmltodict
from prometheus_client.parser import text_string_to_metric_families
from wechatpy.crypto import _get_signature
from wechatpy.enterprise.crypto import WeChatCrypto

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
CORP_ID = "wwbench"
APPROVERS = 20
MSG_IDS = itertools.count(10**15)  # one sequence for the whole run: every callback is a new message, never a retry
BARE_APP = """from fastapi import FastAPI
app = FastAPI()


@app.post("/wecom/callback")
def ok() -> str:
    return ""
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare_database(url: str, members: int) -> None:
    env = os.environ | {"NEWSBOT_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, check=True, capture_output=True)
    rows = ["userid,name,department,roles"]
    rows += [f"approver{n},审核人{n},局领导,approver" for n in range(APPROVERS)]
    rows += [f"editor{n},编辑{n},部门{n % 12},editor" for n in range(5)]
    rows += [f"user{n},通讯员{n},部门{n % 12},correspondent" for n in range(members)]
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "members.csv"
        csv.write_text("\n".join(rows), encoding="utf-8")
        subprocess.run([sys.executable, "-m", "bot.cli", "members", "import", str(csv)], env=env, check=True,
                       capture_output=True)


def callbacks(count: int, members: int) -> list[tuple[dict[str, str], bytes]]:
    """`count` distinct, signed, encrypted callbacks, made before the clock starts."""
    crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    mix = itertools.cycle(["投稿", "稿件", "帮助", "批准"])
    made = []
    for n in range(count):
        text, msg_id = next(mix), next(MSG_IDS)
        if text == "投稿":  # numbered for the whole run: the same draft sent again is refused as a repeat
            text = f"投稿 基准测试稿件{msg_id}\n正文内容，用于测量处理时间。"
        # Round r: member r's 投稿, member r-8's 稿件 (listing what they submitted eight rounds ago), member
        # r-16's 帮助, and an approver's 批准. A member's messages take turns on a row lock (on PostgreSQL), so
        # requests in flight together come from different members, as they mostly would in an office.
        sender = (f"approver{n // 4 % APPROVERS}" if text == "批准"
                  else f"user{(n // 4 - 8 * (n % 4)) % members}")
        fields = {"ToUserName": CORP_ID, "FromUserName": sender, "CreateTime": int(time.time()),
                  "MsgType": "text", "Content": text, "MsgId": msg_id, "AgentID": 1}
        plain = xmltodict.unparse({"xml": fields}, full_document=False)
        ts, nonce = str(int(time.time())), str(n)
        encrypted = xmltodict.parse(crypto.encrypt_message(plain, nonce, ts))["xml"]["Encrypt"]
        body = f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        made.append(({"msg_signature": _get_signature(TOKEN, ts, nonce, encrypted), "timestamp": ts, "nonce": nonce},
                     body.encode()))
    return made


def cpu_seconds(pid: int) -> float:
    """The user and system time a server has used so far, its worker processes included (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) for child in children)


def server_env(url: str) -> dict[str, str]:
    """The environment of a benchmarked `newsbot serve`: the test crypto, no calendar, no rate limit."""
    return os.environ | {"NEWSBOT_DATABASE_URL": url, "NEWSBOT_WECOM_TOKEN": TOKEN, "NEWSBOT_WECOM_AES_KEY": AES_KEY,
                         "NEWSBOT_WECOM_CORP_ID": CORP_ID, "NEWSBOT_SCHEDULER": "off",
                         "NEWSBOT_RATE_LIMIT_PER_MINUTE": "1000000"}


def start(command: list[str], env: dict[str, str], port: int, *, seconds: float = 10,
          stderr: int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """Start a server and wait until it answers on `port`."""
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")


class Client:
    """Keep-alive HTTP/1.1 POSTs on raw asyncio streams. The load generator shares the machine with the
    server, so it must cost far less than what it measures: httpx took 2–4 ms of CPU a request, more than
    newsbot itself, and the figures moved with it."""

    # uvicorn closes a connection idle for 5 s. One reused just then would carry a request the server never
    # reads (an error that is the client's doing), so a connection idle this long is not reused.
    MAX_IDLE = 4.0

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []  # …and since when
        self.opened: list[asyncio.StreamWriter] = []

    def prepare(self, query: dict[str, str], body: bytes) -> bytes:
        """The whole request, made before the clock starts."""
        return (f"POST {self.path}?{urlencode(query)} HTTP/1.1\r\nHost: {self.host}\r\n"
                f"Content-Type: application/xml\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body

    async def send(self, request: bytes) -> int:
        """The response's status; 0 when the connection failed or took over 30 s (counted as an error, as
        WeCom would retry). Responses carry a Content-Length: uvicorn sends no chunked ones here."""
        writer = None
        try:
            async with asyncio.timeout(30):
                reader, writer = await self.connection()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = CONTENT_LENGTH.search(head)
                await reader.readexactly(int(length.group(1)) if length else 0)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            if writer is not None:
                writer.close()
            return 0
        if CLOSE.search(head):
            writer.close()
        else:
            self.idle.append((reader, writer, time.monotonic()))
        return int(head[9:12])

    async def connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The most recently used idle connection, unless the server closed it or may be closing it; or a
        new one."""
        while self.idle:
            reader, writer, since = self.idle.pop()
            if not reader.at_eof() and time.monotonic() - since < self.MAX_IDLE:
                return reader, writer
            writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self.opened.append(writer)
        return reader, writer

    def close(self) -> None:
        for writer in self.opened:
            writer.close()


CONTENT_LENGTH = re.compile(rb"\r\ncontent-length: *(\d+)", re.IGNORECASE)
CLOSE = re.compile(rb"\r\nconnection: *close", re.IGNORECASE)


async def drive(url: str, requests: list[tuple[dict[str, str], bytes]], concurrency: int) -> dict[str, float]:
    client = Client(url)
    prepared = iter([client.prepare(query, body) for query, body in requests])
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        for request in prepared:
            started = time.perf_counter()
            status = await client.send(request)
            errors += status != 200  # not `errors += … await …`: that reads `errors` before other tasks add theirs
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    client.close()
    return summary(latencies, errors, elapsed)


async def fixed_rate(url: str, requests: list[tuple[dict[str, str], bytes]], rate: float) -> dict[str, float]:
    """Open loop: request n starts at n / rate whatever the answers before it, up to 500 at once."""
    client = Client(url)
    prepared = [client.prepare(query, body) for query, body in requests]
    latencies: list[float] = []
    errors = 0
    in_flight = asyncio.Semaphore(500)

    async def one(request: bytes, due: float) -> None:
        nonlocal errors
        async with in_flight:
            status = await client.send(request)
        errors += status != 200
        latencies.append(time.perf_counter() - due)  # from when it was due: waiting for a connection counts

    began = time.perf_counter()
    tasks = []
    for n, request in enumerate(prepared):
        due = began + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one(request, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    client.close()
    return summary(latencies, errors, elapsed)


def outcomes(port: int) -> dict[str, int]:
    """How newsbot answered the callbacks, from its /metrics (ok, invalid, duplicate, …)."""
    counts: dict[str, int] = {}
    for family in text_string_to_metric_families(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text):
        for sample in family.samples:
            if sample.name == "newsbot_callbacks_total":
                counts[sample.labels["outcome"]] = counts.get(sample.labels["outcome"], 0) + int(sample.value)
    return counts


def summary(latencies: list[float], errors: int, elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {"requests": len(ordered), "rps": len(ordered) / elapsed, "p50_ms": pct(0.50), "p90_ms": pct(0.90),
            "p99_ms": pct(0.99), "mean_ms": statistics.fmean(ordered) * 1000, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--rate", type=float, help="fixed-rate mode: requests per second")
    parser.add_argument("--duration", type=float, default=30, help="fixed-rate mode: seconds")
    parser.add_argument("--workers", type=int, default=1, help="server processes, for both targets (default 1)")
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    prepare_database(url, args.members)
    bot_port, bare_port = free_port(), free_port()
    env = server_env(url)
    (workdir / "bare.py").write_text(BARE_APP)
    workers = ["--workers", str(args.workers)]
    servers = [start([sys.executable, "-m", "bot.cli", "serve", "--port", str(bot_port), *workers], env, bot_port),
               start([sys.executable, "-m", "uvicorn", "--app-dir", str(workdir), "bare:app", "--port", str(bare_port),
                      "--log-level", "warning", *workers], env, bare_port)]
    results: list[dict[str, object]] = []
    try:
        # Warm up: imports, compiled SQL, connection pools; not measured.
        warm_ups = {port: asyncio.run(drive(f"http://127.0.0.1:{port}/wecom/callback", callbacks(300, args.members), 4))
                    for port in (bot_port, bare_port)}
        answered_200 = warm_ups[bot_port]["requests"] - warm_ups[bot_port]["errors"]
        runs = [("rate", args.rate)] if args.rate else [("concurrency", c) for c in args.concurrency]
        for mode, level in runs:
            count = int(args.rate * args.duration) if args.rate else args.requests
            for target, port, server in (("newsbot", bot_port, servers[0]), ("bare FastAPI", bare_port, servers[1])):
                batch = callbacks(count, args.members)
                endpoint = f"http://127.0.0.1:{port}/wecom/callback"
                cpu_before = cpu_seconds(server.pid)
                figures = asyncio.run(fixed_rate(endpoint, batch, level) if mode == "rate"
                                      else drive(endpoint, batch, int(level)))
                figures["cpu_ms"] = (cpu_seconds(server.pid) - cpu_before) * 1000 / count
                results.append({"target": target, mode: level, **figures})
                if target == "newsbot":
                    answered_200 += figures["requests"] - figures["errors"]
        answers = outcomes(bot_port)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"database: {url.split(':', 1)[0]}, {args.workers} server process(es) each")
    print(f"{'target':14} {'mode':>14} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'cpu ms':>7}")
    for row in results:
        mode = f"rate {row['rate']:g}/s" if "rate" in row else f"conc {row['concurrency']}"
        print(f"{row['target']:14} {mode:>14} {row['rps']:8.0f} {row['p50_ms']:8.1f} {row['p90_ms']:8.1f} "
              f"{row['p99_ms']:8.1f} {row['errors']:7d} {row['cpu_ms']:7.2f}")
    print("newsbot's answers:", ", ".join(f"{outcome} {count}" for outcome, count in sorted(answers.items())),
          f"({answered_200:.0f} callbacks answered with 200, warm-up included)")
    for bot_row, bare_row in zip(results[::2], results[1::2], strict=True):
        print(f"ratio at {bot_row.get('concurrency', bot_row.get('rate'))}: "
              f"{bot_row['rps'] / bare_row['rps']:.0%} of the ceiling")  # type: ignore[operator]
    if args.json:
        args.json.write_text(json.dumps({"results": results, "answers": answers}, indent=2))
    if answers.get("duplicate"):  # a repeated MsgId is answered from the stored reply: not what is measured here
        raise SystemExit("some callbacks were answered as duplicates: the figures above do not measure new messages")


if __name__ == "__main__":
    main()
