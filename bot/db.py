"""Engine and sessions. SQLite gets WAL, a busy timeout, foreign keys and BEGIN IMMEDIATE."""

from __future__ import annotations

import sqlite3
import threading
from functools import cache
from typing import Any

from sqlalchemy import Engine, Insert, Table, create_engine, event, make_url
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_MINIMUM = (3, 35)  # RETURNING (the outbox's claim) and ON CONFLICT DO NOTHING


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine for `url`; SQLite connections are tuned for many short writers."""
    kwargs = {"hide_parameters": True} | kwargs  # a logged database error must not carry a draft's text
    if url.startswith("sqlite"):
        if sqlite3.sqlite_version_info < SQLITE_MINIMUM:
            raise RuntimeError(f"SQLite {sqlite3.sqlite_version} is too old: newsbot needs "
                               f"{'.'.join(map(str, SQLITE_MINIMUM))} or newer (a newer Python brings one)")
        turns = type("TakingTurns", (TakingTurns,), {"turn": threading.Lock()})  # one lock per engine
        if make_url(url).database not in (None, "", ":memory:"):
            # Enough pooled connections for the web threadpool (40: /healthz, /metrics; SQLite's callbacks run
            # on the event loop) and the background threads: an overflow connection is closed on return and
            # reopened (with its PRAGMAs) on the next burst.
            kwargs = {"pool_size": 50, "max_overflow": 10} | kwargs
        engine = create_engine(url, connect_args={"check_same_thread": False, "factory": turns}, **kwargs)
        _tune_sqlite(engine)
        return engine
    # pool_pre_ping costs a round trip per checkout (5 % of a callback), but after a database restart no
    # statement meets a dead connection: without it, a dispatcher recording a send that worked would fail,
    # and the message would go out again when its lease ran out.
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if make_url(url).get_backend_name() == "postgresql":
        event.listen(engine, "connect", _utc_session)
    return engine


def _utc_session(dbapi_connection: Any, _record: Any) -> None:
    """Timestamps are stored as UTC without a zone: a session in UTC reads a value sent with one the same way,
    whatever the server's zone (set after connecting: options in the URL, such as search_path, stay)."""
    autocommit, dbapi_connection.autocommit = dbapi_connection.autocommit, True
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.autocommit = autocommit


class TakingTurns(sqlite3.Connection):
    """A SQLite connection whose transactions take turns with those of the engine's other connections.

    SQLite admits one writer at a time and its busy handler waits by sleeping (up to 100 ms a try), so
    threads contending for the write lock (web requests, the dispatcher, the calendar) spend their time
    asleep. Queued on a lock, they go as soon as the previous transaction ends; other processes still
    wait in the busy handler."""

    turn: threading.Lock  # set per engine by make_engine
    _holding = False

    def take_turn(self) -> None:
        if not self.turn.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("database is locked (waited for this process's other transactions)")
        self._holding = True

    def end_turn(self) -> None:
        if self._holding:
            self._holding = False
            self.turn.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that "begin" below decides the lock mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    def _begin_immediate(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: a read-then-write transaction never fails
        # half-way with "database is locked"; it waits for busy_timeout instead. The dialect's own begin (a
        # no-op for pysqlite) is replaced rather than a "begin" listener added: any engine-level listener makes
        # SQLAlchemy dispatch its connection events around every statement (about 5 % of a callback).
        dbapi_connection = connection.dbapi_connection
        dbapi_connection.take_turn()
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")  # straight to sqlite3: SQLAlchemy has nothing to track here
        except BaseException:
            dbapi_connection.end_turn()
            raise

    engine.dialect.do_begin = _begin_immediate  # type: ignore[method-assign,assignment]


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def insert_if_new(session: Session, table: Table, values: dict[str, Any], unique: str) -> bool:
    """Insert the row unless one with the same `unique` column exists; whether it was inserted.

    ON CONFLICT DO NOTHING: a row seen before is no error, so nothing is rolled back or logged as one. On
    PostgreSQL a concurrent insert of the same key is waited for, then counts as seen."""
    return bool(session.execute(_insert_new(session.get_bind().dialect.name, table, unique), values)
                .rowcount == 1)  # type: ignore[attr-defined]


@cache
def _insert_new(dialect: str, table: Table, unique: str) -> Insert:
    """Built once per table: every message runs one (its dedupe row), most run two."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # SQLAlchemy keeps an INSERT's rowcount only when asked (PostgreSQL would report -1).
    return insert(table).on_conflict_do_nothing(index_elements=[unique]).execution_options(preserve_rowcount=True)
