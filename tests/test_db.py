"""bot.db: a process's SQLite transactions take turns on one lock, released however a transaction ends."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
    return engine


def turn(engine: Engine) -> threading.Lock:
    """The engine's lock (connecting takes no turn: only a transaction does)."""
    with engine.connect() as connection:
        return type(connection.connection.dbapi_connection).turn  # type: ignore[no-any-return]


def test_the_turn_is_held_for_a_transaction_and_released_however_it_ends(engine: Engine) -> None:
    lock = turn(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert lock.locked()
    assert not lock.locked()
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    assert not lock.locked()
    with Session(engine) as session:
        session.execute(text("SELECT count(*) FROM t"))  # autobegin, then closed without commit
        assert lock.locked()
    assert not lock.locked()
    with Session(engine) as session, session.begin():
        session.execute(text("INSERT INTO t VALUES (2)"))
        with pytest.raises(IntegrityError), session.begin_nested():
            session.execute(text("INSERT INTO t VALUES (2)"))
        assert lock.locked()  # a savepoint's failure does not end the turn
    assert not lock.locked()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 2


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_databases_still_work(url: str) -> None:
    with make_engine(url).begin() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


def test_a_sqlite_too_old_for_returning_is_named_at_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.31.1")
    with pytest.raises(RuntimeError, match=r"SQLite 3\.31\.1 is too old: newsbot needs 3\.35 or newer"):
        make_engine(f"sqlite:///{tmp_path / 'old.db'}")
