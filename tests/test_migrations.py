"""Migrations: `upgrade head` builds the schema on an empty database and matches the models exactly."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Connection

import models
from bot import migrate
from bot.domain.links import link_key
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
        # Alembic does not compare partial indexes' conditions: they are checked here.
        for name, condition in (("ix_submission_reprints_published_on", "sent_at IS NULL"),
                                ("ix_submission_unsent_draft_id", "'unsure'")):
            definition = connection.scalar(text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = :name" if PG_URL else
                "SELECT sql FROM sqlite_master WHERE name = :name"), {"name": name})
            assert "WHERE" in definition and condition in definition, definition
    engine.dispose()


def test_q08_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    from bot.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'tuned.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    engine.dispose()


def test_a_database_with_drafts_from_the_first_release_upgrades_and_keeps_them(empty_database: str) -> None:
    """SQLite's batch mode copies `draft` and drops the old table, which its versions point at."""
    command.upgrade(migrate.alembic_config(empty_database), "0001")
    engine = create_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO member (id, userid, name, department, roles, active, created_at) "
            "VALUES (1, 'zhangsan', '张三', '办公室', 'correspondent', true, '2026-05-01 00:00:00')"))
        connection.execute(text(
            "INSERT INTO draft (id, title, state, author_id, current_version, state_since, created_at, updated_at) "
            "VALUES (1, '标题', 'editing', 1, 1, '2026-05-01', '2026-05-01', '2026-05-01')"))
        connection.execute(text("INSERT INTO draft_version (id, draft_id, number, text, hash, author_id, created_at) "
                                "VALUES (1, 1, 1, '正文', 'h', 1, '2026-05-01')"))
    engine.dispose()
    migrate.upgrade(empty_database)
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT text FROM draft_version WHERE draft_id = 1")) == "正文"
    engine.dispose()
    assert migrate.is_current(empty_database)


def a_published_draft(connection: Connection) -> None:
    """Member 1 and their draft 1, published: what a submission row needs."""
    connection.execute(text("INSERT INTO member (id, userid, name, department, roles, active, created_at) "
                            "VALUES (1, 'zhangsan', '张三', '办公室', '', true, '2026-01-01')"))
    connection.execute(text(
        "INSERT INTO draft (id, title, state, author_id, current_version, state_since, created_at, updated_at) "
        "VALUES (1, '一', 'published', 1, 1, '2026-01-01', '2026-01-01', '2026-01-01')"))


def test_an_upgrade_that_stopped_part_way_fills_the_totals_when_run_again(empty_database: str) -> None:
    """On SQLite each migration commits on its own: stopped past the revision that brings the month's figures,
    the next upgrade starts past it too, and still fills them."""
    command.upgrade(migrate.alembic_config(empty_database), "0013")
    engine = create_engine(empty_database)
    with engine.begin() as connection:
        a_published_draft(connection)
        connection.execute(text(
            "INSERT INTO submission (draft_id, outlet_id, version, state, message_id, queued_at, published_on, "
            "front_page, points) VALUES (1, 1, 1, 'published', '', '2026-01-01', '2026-01-02', false, 2)"))
    engine.dispose()
    command.upgrade(migrate.alembic_config(empty_database), "0017")  # where the first upgrade stopped
    migrate.upgrade(empty_database)
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM outlet_month")) == 1
        assert connection.scalar(text("SELECT count(*) FROM draft_month")) == 1
    engine.dispose()


def test_0022_takes_monday_to_friday_from_the_reminders_rule_and_keeps_the_admins_hour(empty_database: str) -> None:
    """The 催办 job picks the working days itself now (holidays, Saturdays worked)."""
    def rule() -> object:
        engine = create_engine(empty_database)
        with engine.connect() as connection:
            found = connection.scalar(text("SELECT rule FROM schedule WHERE id = 'overdue_reminders'"))
        engine.dispose()
        return json.loads(found) if isinstance(found, str) else found

    command.upgrade(migrate.alembic_config(empty_database), "0021")
    engine = create_engine(empty_database)
    with engine.begin() as connection:  # an admin moved it to 10:00
        connection.execute(text("UPDATE schedule SET rule = :rule WHERE id = 'overdue_reminders'"),
                           {"rule": json.dumps({"day_of_week": "mon-fri", "hour": "10", "minute": "0"})})
    engine.dispose()
    migrate.upgrade(empty_database)
    assert rule() == {"hour": "10", "minute": "0"}
    command.downgrade(migrate.alembic_config(empty_database), "0021")
    assert rule() == {"day_of_week": "mon-fri", "hour": "10", "minute": "0"}


def test_0023_writes_the_link_key_of_each_publication_recorded(empty_database: str) -> None:
    """刊发 compares links by their key: the publications recorded before it get theirs."""
    command.upgrade(migrate.alembic_config(empty_database), "0022")
    engine = create_engine(empty_database)
    with engine.begin() as connection:
        a_published_draft(connection)
        connection.execute(text(
            "INSERT INTO submission (draft_id, outlet_id, version, state, message_id, queued_at, published_on, url, "
            "front_page, points) VALUES (1, 1, 1, 'published', '', '2026-01-01', '2026-01-02', "
            "'https://WWW.SGRB.example/2026/1/#top', false, 2), "
            "(1, 2, 1, 'sent', 'm', '2026-01-01', NULL, NULL, false, 0)"))
    engine.dispose()
    migrate.upgrade(empty_database)
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT outlet_id, link_key FROM submission ORDER BY outlet_id")).all()
    engine.dispose()
    assert [tuple(row) for row in keys] == [(1, link_key("https://www.sgrb.example/2026/1")), (2, None)]


def test_0029_gives_the_publications_before_0028_the_multiplier_in_force_at_the_upgrade(empty_database: str) -> None:
    """Left NULL, their 头版 learnt later took the multiplier of that later day (an admin's review)."""
    command.upgrade(migrate.alembic_config(empty_database), "0028")
    engine = create_engine(empty_database)
    with engine.begin() as connection:
        a_published_draft(connection)
        connection.execute(text("UPDATE reward_rules SET front_page_multiplier = 3"))
        connection.execute(text(
            "INSERT INTO submission (draft_id, outlet_id, version, state, message_id, queued_at, published_on, "
            "front_page, points) VALUES (1, 1, 1, 'published', '', '2026-01-01', '2026-01-02', true, 9), "
            "(1, 2, 1, 'sent', 'm', '2026-01-01', NULL, false, 0)"))
    engine.dispose()
    migrate.upgrade(empty_database)
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT outlet_id, front_page_multiplier FROM submission ORDER BY outlet_id"))
        assert [tuple(row) for row in kept] == [(1, 3.0), (2, None)]
    engine.dispose()
