"""Run Alembic from code: `newsbot db upgrade`, tests and start-up use the same path."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import make_url, text

import migrations
from bot.db import make_engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.attributes["url"] = url
    return config


# Revisions that bring totals kept beside the data (the points ledger, the month's figures), or change what they
# count (0038: e-mails that may have arrived were sent): an upgrade that passes one fills them, with the current
# code — a migration must not depend on code that later changes.
KEPT_TOTALS = frozenset({"0014", "0015", "0038"})


def upgrade(url: str, revision: str = "head", zone: ZoneInfo | None = None) -> None:
    """Migrate; an upgrade to the newest revision past one that brings kept totals also fills them."""
    before = current_heads(url)
    command.upgrade(alembic_config(url), revision)
    if revision != "head" or not before:  # a new database has nothing to count
        return
    scripts = ScriptDirectory.from_config(alembic_config(url))
    if {script.revision for script in scripts.iterate_revisions("heads", before)} & KEPT_TOTALS or _totals_owed(url):
        rebuild_totals(url, zone)


def _totals_owed(url: str) -> bool:
    """No month's figures beside submissions sent or published: an earlier upgrade stopped before filling them
    (on SQLite each migration commits on its own), and this one starts past the revisions that bring them."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return bool(connection.scalar(text(
                "SELECT NOT EXISTS (SELECT 1 FROM outlet_month) AND EXISTS (SELECT 1 FROM submission "
                "WHERE sent_at IS NOT NULL OR published_on IS NOT NULL)")))
    finally:
        engine.dispose()


def rebuild_totals(url: str, zone: ZoneInfo | None = None) -> None:
    """Rewrite every kept total from the data (`newsbot db rebuild-totals`)."""
    from sqlalchemy.orm import Session

    from bot.config import get_settings
    from bot.domain import ledger, stats

    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            ledger.rebuild(session)
            stats.rebuild(session, zone or get_settings().zone)
    finally:
        engine.dispose()


def current_heads(url: str) -> tuple[str, ...]:
    """The revisions the database is at (empty for a new database)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def missing_file(url: str) -> Path | None:
    """The SQLite file `url` names, when it does not exist: only `db upgrade` may create one (a command run in
    the wrong directory would leave an empty database there, and send the operator to fill it)."""
    parsed = make_url(url)
    name = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or name in ("", ":memory:") or name.startswith("file:"):
        return None
    path = Path(name).absolute()
    return None if path.exists() else path


def unknown_revisions(url: str) -> list[str]:
    """The revisions the database is at that this code does not know: it was upgraded by a newer release."""
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config(url)).walk_revisions()}
    return sorted(set(current_heads(url)) - known)


def is_current(url: str) -> bool:
    """Whether the database is at the newest revision (False for an empty database)."""
    return set(current_heads(url)) == code_heads()


def code_heads() -> frozenset[str]:
    """The newest revisions this code knows: what a database it runs on must be at."""
    return frozenset(ScriptDirectory.from_config(alembic_config("")).get_heads())
