"""SQLite under concurrent writers (quality.md 8): 8 processes × 200 read-then-write transactions."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from bot.db import make_engine
from tests.conftest import PG_URL

WORKER = """
import sys, time
from sqlalchemy import text
from bot.db import make_engine
engine = make_engine(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
for _ in range(200):
    with engine.begin() as connection:  # BEGIN IMMEDIATE: the read below cannot go stale
        n = connection.execute(text("SELECT n FROM counter")).scalar_one()
        connection.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
print("done")
"""


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's locking; PostgreSQL has row locks")
def test_q08_eight_processes_never_see_database_is_locked(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    start_at = str(time.time() + 2)
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, database_url, start_at], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(8)]
    results = [worker.communicate(timeout=300) for worker in workers]
    assert [out.strip() for out, _ in results] == ["done"] * 8, [err[-500:] for _, err in results]
    assert not any("database is locked" in err for _, err in results)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 1600  # no lost update
    engine.dispose()
