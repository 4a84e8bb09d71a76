"""Scale: command latency as the tables grow (quality.md: < 100 ms at 1,000,000 drafts, flat in size).

    .venv/bin/python benchmarks/scale.py [--sizes 10000 100000 1000000] [--database-url URL]

Bulk-inserts drafts (each with a version, its approval, three submissions, a third of them published, and the two
chat messages sent about it, to one of the 30 editors and to the author) spread over ten years among 300
members, rewrites the kept totals (`newsbot db rebuild-totals`) and times 统计 (a month and a year), 排行,
积分, 稿件 (list and detail) and 投稿 through the engine at each size, then the dispatcher sending what those
投稿 queued (发送: a pass that sends one message to an editor with a long history). Prints a table; --json
FILE keeps the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from bot.domain.members import holds
from bot.messages import Incoming
from bot.migrate import rebuild_totals, upgrade
from bot.runtime import Runtime
from models import AuditEvent, Draft, DraftVersion, Member, OutboxMessage, OutboxState, Outlet, Role, Submission

DEPARTMENTS = [f"部门{n}" for n in range(20)]
BATCH = 20_000
START = datetime(2016, 1, 1, tzinfo=UTC)


def members(runtime: Runtime, count: int) -> list[int]:
    now = datetime.now(UTC)
    with runtime.sessions.begin() as session:
        rows = [{"userid": f"u{n}", "name": f"通讯员{n}", "department": DEPARTMENTS[n % len(DEPARTMENTS)],
                 "role_names": "correspondent|editor" if n % 10 == 0 else "correspondent", "active": True,
                 "created_at": now} for n in range(count)]
        rows.append({"userid": "approver", "name": "审核人", "department": "局领导", "role_names": "approver",
                     "active": True, "created_at": now})
        session.execute(insert(Member), rows)
        return list(session.scalars(select(Member.id).order_by(Member.id)))


def grow(runtime: Runtime, target: int, member_ids: list[int], rng: random.Random) -> None:
    """Add drafts until there are `target`, each with a version and three submissions."""
    with runtime.sessions.begin() as session:
        have = session.scalar(select(func.count()).select_from(Draft)) or 0
        outlets = [(o.id, o.level) for o in session.scalars(select(Outlet))]
        userids = dict(session.execute(select(Member.id, Member.userid)).all())
        editors = list(session.scalars(select(Member.id).where(holds(Role.editor))))
    points = {"central": 10, "provincial": 5, "city": 3, "county": 2, "own": 1}
    while have < target:
        size = min(BATCH, target - have)
        with runtime.sessions.begin() as session:
            first = (session.scalar(select(func.max(Draft.id))) or 0) + 1
            drafts, versions, submissions, messages, approvals = [], [], [], [], []
            for n in range(size):
                created = START + timedelta(minutes=rng.randrange(10 * 365 * 24 * 60))
                author, editor = rng.choice(member_ids), editors[n % len(editors)]
                drafts.append({"id": first + n, "title": f"稿件{first + n}", "state": "published",
                               "author_id": author, "editor_id": editor, "current_version": 1,
                               "state_since": created, "created_at": created, "updated_at": created,
                               "approved_hash": f"{first + n:064x}", "approved_by_id": member_ids[-1],
                               "approved_at": created})  # each text its own hash, as 投稿 looks one up
                versions.append({"draft_id": first + n, "number": 1, "text": "正文" * 200, "hash": f"{first + n:064x}",
                                 "author_id": author, "created_at": created})
                approvals.append({"at": created, "actor": "approver", "action": "approve", "draft_id": first + n,
                                  "from_state": "pending", "to_state": "approved", "version": 1})
                for recipient, event in ((userids[editor], "assigned"), (userids[author], "published")):
                    messages.append({"channel": "app", "recipient": recipient, "payload": {"msgtype": "text",
                                     "text": {"content": f"稿件 #{first + n}"}}, "dedupe_key":
                                     f"draft:{first + n}:{event}:{recipient}", "state": OutboxState.sent,
                                     "attempts": 1, "next_attempt_at": created, "created_at": created,
                                     "sent_at": created})
                for outlet_id, level in rng.sample(outlets, 3):
                    published = rng.random() < 0.33
                    submissions.append({
                        "draft_id": first + n, "outlet_id": outlet_id, "version": 1,
                        "state": "published" if published else "sent", "message_id": f"<{uuid.uuid4().hex}@b>",
                        "queued_at": created, "sent_at": created,
                        "published_on": (created + timedelta(days=3)).date() if published else None,
                        "url": "https://example.invalid/a" if published else None, "front_page": False,
                        "points": points[level] if published else 0.0})
            session.execute(insert(Draft), drafts)
            session.execute(insert(DraftVersion), versions)
            session.execute(insert(Submission), submissions)
            session.execute(insert(OutboxMessage), messages)
            session.execute(insert(AuditEvent), approvals)  # 统计 counts a month's first approvals
            if session.bind is not None and session.bind.dialect.name == "postgresql":  # explicit ids: 投稿 needs
                session.execute(text("SELECT setval(pg_get_serial_sequence('draft', 'id'), :last)"),  # the next
                                {"last": first + size - 1})
        have += size


def analyze(runtime: Runtime) -> None:
    """PostgreSQL's autovacuum would have analysed tables this size by now; a bulk load needs it at once."""
    if runtime.db.dialect.name == "postgresql":
        with runtime.db.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))


def timed(runtime: Runtime, userid: str, text: str, repeat: int = 5) -> float:
    """Median milliseconds of `text` through the engine (each a new message; {unique} made unique in each, as
    the same draft, or its title within the hour, sent again is refused as a repeat)."""
    samples = []
    for _ in range(repeat):
        message = text.replace("{unique}", uuid.uuid4().hex)
        started = time.perf_counter()
        runtime.commands.handle(Incoming("local", userid, f"bench:{uuid.uuid4().hex}", text=message))
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def timed_sends(runtime: Runtime, repeat: int = 5) -> float:
    """Median milliseconds of a dispatcher pass that sends the one message a 投稿 just queued for its editor."""
    dispatcher, samples = runtime.dispatcher(), []
    with contextlib.redirect_stdout(io.StringIO()):  # local mode prints what it would send
        while dispatcher.run_once():  # what the timed commands queued
            pass
        for _ in range(repeat):
            runtime.commands.handle(Incoming("local", "u1", f"bench:{uuid.uuid4().hex}",
                                             text=f"投稿 基准测试{uuid.uuid4().hex}\n正文{uuid.uuid4().hex}"))
            started = time.perf_counter()
            if dispatcher.run_once() != 1:
                raise SystemExit("the dispatcher did not find the one message 投稿 queued")
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--database-url")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="newsbot-scale-"))
    url = args.database_url or f"sqlite:///{workdir / 'scale.db'}"
    upgrade(url)
    runtime = Runtime.build(Settings(_env_file=None, database_url=url, scheduler="off",
                                     rate_limit_per_minute=10**9))
    rng = random.Random(42)
    member_ids = members(runtime, args.members)
    this_year = date.today().year
    operations = {
        "统计": ("u1", f"统计 {this_year - 1}-05"), "统计 (year)": ("u1", f"统计 {this_year - 1}"),
        "排行": ("u1", f"排行 {this_year - 1}"),
        "积分": ("u1", f"积分 {this_year - 1}"),
        "稿件 (list)": ("u1", "稿件"), "稿件 #N": ("u1", "稿件 #1"),
        "投稿": ("u1", "投稿 基准测试{unique}\n正文内容{unique}"),
    }
    columns = [*operations, "发送"]
    results = []
    for size in sorted(args.sizes):
        began = time.perf_counter()
        grow(runtime, size, member_ids, rng)
        loaded = time.perf_counter() - began
        began = time.perf_counter()
        rebuild_totals(url, runtime.settings.zone)  # `newsbot db rebuild-totals`, as after any bulk load
        rebuilt = time.perf_counter() - began
        analyze(runtime)
        row = {"drafts": size, "load_s": round(loaded, 1), "totals_s": round(rebuilt, 1)}
        row |= {name: round(timed(runtime, userid, text), 1) for name, (userid, text) in operations.items()}
        row["发送"] = round(timed_sends(runtime), 1)
        results.append(row)
        print(f"{size:>9} drafts loaded in {loaded:6.1f} s, totals kept in {rebuilt:5.1f} s: "
              + ", ".join(f"{name} {row[name]:.1f} ms" for name in columns), flush=True)
    print(f"\n{'drafts':>9} " + " ".join(f"{name:>12}" for name in columns))
    for row in results:
        print(f"{row['drafts']:>9} " + " ".join(f"{row[name]:>10.1f}ms" for name in columns))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    runtime.close()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
