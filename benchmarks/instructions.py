"""Instructions per callback, counted by valgrind: a cost that does not move with the machine's load.

    .venv/bin/python benchmarks/instructions.py [--requests 200] [--database-url URL]
    .venv/bin/python benchmarks/instructions.py --server      # whole servers, beside the bare endpoint

On a shared VM requests/s, and even CPU time, change by up to 2× between runs; callgrind's count of
instructions for the same code and data changes by about 1 %. Use it to compare two versions of the hot
path. By default it runs benchmarks/webhook.py's mix in process (verify, decrypt, the engine and its
transaction, the encrypted reply; no HTTP), then sends what the mix queued, and counts only that, after a
warm-up. With --server it counts a whole `newsbot serve` process instead (uvicorn, logging, the dispatcher
sending as it goes) at concurrency 1, and the bare FastAPI endpoint of webhook.py the same way: when the
server is what limits throughput, their ratio bounds the share of the ceiling. (Under valgrind, timers
and polling count a little more than they would natively.) Needs valgrind (Debian: `apt install
valgrind`); 200 callbacks take about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from webhook import AES_KEY, BARE_APP, CORP_ID, TOKEN, callbacks, drive, free_port, prepare_database, server_env, start

from bot.app import create_app
from bot.config import Settings
from bot.runtime import Runtime

WARM_UP = 100


def count_instructions(on: bool, pid: int | None = None) -> None:
    """Switch callgrind's counting for a process (this one by default) on or off."""
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(pid or os.getpid())], check=True,
                   capture_output=True)


def collected(stderr: str) -> int:
    found = re.search(r"Collected : (\d+)", stderr)
    if not found:
        raise SystemExit(stderr[-3000:])
    return int(found.group(1))


def measured_run(url: str, requests: int, members: int) -> None:
    """Under valgrind: warm up, then count `requests` callbacks and the sending of what they queued."""
    settings = Settings(_env_file=None, database_url=url, wecom_token=TOKEN, wecom_aes_key=AES_KEY,
                        wecom_corp_id=CORP_ID, scheduler="off", rate_limit_per_minute=1_000_000)
    runtime = Runtime.build(settings)
    callback = create_app(runtime, dispatcher=False).state.app_callback
    dispatcher = runtime.dispatcher()
    batch = callbacks(WARM_UP + requests, members)
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # local mode prints each send
        for query, body in batch[:WARM_UP]:
            callback.receive(query, body)
        while dispatcher.run_once():
            pass
        count_instructions(True)
        for query, body in batch[WARM_UP:]:
            callback.receive(query, body)
        while dispatcher.run_once():
            pass
        count_instructions(False)
    runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--database-url", help="default: a fresh SQLite file; give an empty database")
    parser.add_argument("--server", action="store_true", help="count whole servers (HTTP included), and the bare one")
    parser.add_argument("--measured-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measured_run:
        measured_run(args.database_url, args.requests, args.members)
        return
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (Debian: apt install valgrind)")
    with tempfile.TemporaryDirectory(prefix="newsbot-instructions-") as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        prepare_database(url, args.members)
        if args.server:
            newsbot = server_run("newsbot", Path(folder), url, args.requests, args.members)
            bare = server_run("bare", Path(folder), url, args.requests, args.members)
        else:
            run = subprocess.run(
                ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={folder}/callgrind.out",
                 sys.executable, __file__, "--measured-run", "--database-url", url, "--requests",
                 str(args.requests), "--members", str(args.members)], capture_output=True, text=True)
            if run.returncode:
                raise SystemExit(run.stderr[-3000:])
            newsbot = collected(run.stderr) / args.requests
    database = url.split(":", 1)[0]
    print(f"{'database':20} {'callbacks':>10} {'instructions per callback':>26}")
    print(f"{database:20} {args.requests:10d} {newsbot / 1e6:24.2f} M")
    if args.server:
        print(f"{'bare FastAPI':20} {args.requests:10d} {bare / 1e6:24.2f} M")
        print(f"bare / newsbot: {bare / newsbot:.0%}")


def server_run(target: str, folder: Path, url: str, requests: int, members: int) -> float:
    """Instructions per request of a whole server process under callgrind, after a warm-up, at concurrency 1;
    for newsbot, until its dispatcher has sent what the requests queued."""
    port = free_port()
    (folder / "bare.py").write_text(BARE_APP)
    command = ([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)] if target == "newsbot" else
               [sys.executable, "-m", "uvicorn", "--app-dir", str(folder), "bare:app", "--port", str(port),
                "--log-level", "warning"])
    log = folder / f"{target}.log"  # a file, not a pipe: newsbot logs a line per callback there
    with log.open("wb") as stderr:
        server = start(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                        f"--callgrind-out-file={folder}/{target}.out", *command], server_env(url), port,
                       seconds=300, stderr=stderr.fileno())
    try:
        endpoint = f"http://127.0.0.1:{port}/wecom/callback"
        asyncio.run(drive(endpoint, callbacks(WARM_UP, members), 1))
        drained(url, target)
        batch = callbacks(requests, members)
        count_instructions(True, server.pid)
        figures = asyncio.run(drive(endpoint, batch, 1))
        drained(url, target)
        count_instructions(False, server.pid)
        if figures["errors"]:
            raise SystemExit(f"{target}: {figures['errors']} callbacks failed")
    finally:
        server.terminate()
        server.wait(timeout=120)
    return collected(log.read_text(errors="replace")) / requests


def drained(url: str, target: str) -> None:
    """Wait until newsbot's dispatcher has sent everything queued (the bare endpoint queues nothing)."""
    if target != "newsbot":
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        while connection.execute(text("SELECT count(*) FROM outbox_message "
                                      "WHERE state IN ('pending', 'sending')")).scalar():
            connection.rollback()  # a fresh snapshot for the next look
            time.sleep(0.5)
    engine.dispose()


if __name__ == "__main__":
    main()
