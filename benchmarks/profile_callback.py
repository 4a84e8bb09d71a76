"""Where a callback's time goes: the webhook benchmark's mix, in process, under cProfile.

    .venv/bin/python benchmarks/profile_callback.py [--requests 2000] [--database-url URL] [--top 25]

Runs the same distinct encrypted callbacks as benchmarks/webhook.py through the app callback (verify,
decrypt, parse, the engine and its transaction, encrypt the reply) without HTTP, and prints the functions
that take the most time, by own time and by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from webhook import AES_KEY, CORP_ID, TOKEN, callbacks, prepare_database

from bot.app import create_app
from bot.config import Settings
from bot.runtime import Runtime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="newsbot-profile-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    prepare_database(url, args.members)
    settings = Settings(_env_file=None, database_url=url, wecom_token=TOKEN, wecom_aes_key=AES_KEY,
                        wecom_corp_id=CORP_ID, scheduler="off", rate_limit_per_minute=1_000_000)
    runtime = Runtime.build(settings)
    callback = create_app(runtime, dispatcher=False).state.app_callback
    batch = callbacks(args.requests, args.members)
    for query, body in batch[:50]:  # warm up: imports, caches, the connection pool
        callback.receive(query, body)

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for query, body in batch[50:]:
        callback.receive(query, body)
    profiler.disable()
    elapsed = time.perf_counter() - started
    handled = len(batch) - 50
    print(f"{handled} callbacks in {elapsed:.2f} s under the profiler: {elapsed / handled * 1000:.2f} ms each")
    stats = pstats.Stats(profiler)
    for order in ("tottime", "cumulative"):
        print(f"\n--- by {order} ---")
        stats.sort_stats(order).print_stats(args.top)
    runtime.close()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
