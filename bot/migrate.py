"""Run Alembic from code: `newsbot db upgrade`, tests and start-up use the same path."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config

import migrations


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head", zone: ZoneInfo | None = None) -> None:
    """Migrate; at the newest revision, also fill what is derived from the data once (the points ledger, the
    month's figures), with the current models: a migration must not depend on code that later changes."""
    command.upgrade(alembic_config(url), revision)
    if revision == "head":
        from sqlalchemy.orm import Session

        from bot.config import get_settings
        from bot.db import make_engine
        from bot.domain import ledger, stats

        engine = make_engine(url)
        try:
            with Session(engine) as session, session.begin():
                ledger.rebuild_if_missing(session)
                stats.rebuild_if_missing(session, zone or get_settings().zone)
        finally:
            engine.dispose()


def is_current(url: str) -> bool:
    """Whether the database is at the newest revision (False for an empty database)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.db import make_engine

    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == heads
    finally:
        engine.dispose()
