"""Migrations: `upgrade head` builds the schema on an empty database and matches the models exactly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, make_url, text

import models
from bot import migrate
from tests.conftest import PG_URL


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"newsbot_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_head_on_empty_database_matches_models(empty_database: str) -> None:
    assert not migrate.is_current(empty_database)
    migrate.upgrade(empty_database)
    assert migrate.is_current(empty_database)
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), models.Base.metadata) == []
        # Alembic does not compare partial indexes' conditions: the reprints' index is checked here.
        definition = connection.scalar(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = :name" if PG_URL else
            "SELECT sql FROM sqlite_master WHERE name = :name"), {"name": "ix_submission_reprints_published_on"})
        assert "WHERE" in definition and "message_id" in definition and "''" in definition
    engine.dispose()


def test_q08_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    from bot.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'tuned.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    engine.dispose()
