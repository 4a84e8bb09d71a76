"""Instructions per callback, counted by valgrind: a cost that does not move with the machine's load.

    .venv/bin/python benchmarks/instructions.py [--requests 200] [--database-url URL]

On a shared VM requests/s, and even CPU time, change by up to 2× between runs; callgrind's count of
instructions for the same code and data changes by about 1 %. Use it to compare two versions of the hot
path. It runs benchmarks/webhook.py's mix in process (verify, decrypt, the engine and its transaction, the
encrypted reply; no HTTP), then sends what the mix queued, and counts only that, after a warm-up. Needs
valgrind (Debian: `apt install valgrind`); 200 callbacks take about a minute.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from webhook import AES_KEY, CORP_ID, TOKEN, callbacks, prepare_database

from bot.app import create_app
from bot.config import Settings
from bot.runtime import Runtime

WARM_UP = 100


def count_instructions(on: bool) -> None:
    """Switch callgrind's counting for this process on or off."""
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], check=True,
                   capture_output=True)


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
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={folder}/callgrind.out",
             sys.executable, __file__, "--measured-run", "--database-url", url, "--requests", str(args.requests),
             "--members", str(args.members)], capture_output=True, text=True)
        collected = re.search(r"Collected : (\d+)", run.stderr)
        if run.returncode or not collected:
            raise SystemExit(run.stderr[-3000:])
    print(f"{'database':20} {'callbacks':>10} {'instructions per callback':>26}")
    print(f"{url.split(':', 1)[0]:20} {args.requests:10d} {int(collected.group(1)) / args.requests / 1e6:24.2f} M")


if __name__ == "__main__":
    main()
