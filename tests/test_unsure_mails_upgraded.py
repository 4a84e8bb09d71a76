"""Revision 0038: e-mails marked 可能已发出 (unsure) before the code recorded them as sent get their time of sending
(found by a review of an office upgrading a year's data)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bot import migrate
from bot.domain import drafts, stats
from models import Draft, Submission
from tests.test_migrations import empty_database  # noqa: F401 (a fixture)

ZONE = ZoneInfo("Asia/Shanghai")


def _a_march_draft(url: str, revision: str, nanfang_state: str) -> None:
    """A draft of March sent to 韶关日报 and 南方网, as the release at `revision` left it: 南方网's connection
    broke once the e-mail was handed over (its mail.failed event says 「南方网：可能已发出」), and it has no
    sent_at; 统计 counted 韶关日报's e-mail alone."""
    command.upgrade(migrate.alembic_config(url), revision)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO member (id, userid, name, department, roles, active, created_at) "
                                "VALUES (1, 'zhangsan', '张三', '办公室', '', true, '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO draft (id, title, state, author_id, current_version, state_since, created_at, updated_at) "
            "VALUES (1, '一', 'submitted', 1, 1, '2026-03-10', '2026-03-09', '2026-03-10')"))
        connection.execute(text(
            "INSERT INTO submission (draft_id, outlet_id, version, state, message_id, queued_at, sent_at, "
            "front_page, points) VALUES (1, 3, 1, 'sent', 'a', '2026-03-10 02:00', '2026-03-10 02:01', false, 0), "
            f"(1, 6, 1, '{nanfang_state}', 'b', '2026-03-10 02:00', NULL, false, 0)"))
        connection.execute(text("INSERT INTO audit_event (at, action, draft_id, comment) "
                                "VALUES ('2026-03-10 02:05:00', 'mail.failed', 1, '南方网：可能已发出')"))
        connection.execute(text("INSERT INTO outlet_month (month, outlet_id, author_id, sent, published, used) "
                                "VALUES (202603, 3, 1, 1, 0, 0)"))
    engine.dispose()


@pytest.fixture(params=[("0029", "failed"), ("0037", "unsure")], ids=["before-0030", "past-0030"])
def upgraded(request: pytest.FixtureRequest, empty_database: str) -> Iterator[Session]:  # noqa: F811
    _a_march_draft(empty_database, *request.param)
    migrate.upgrade(empty_database)
    engine = create_engine(empty_database)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_an_email_that_may_have_arrived_counts_as_sent_after_the_upgrade(upgraded: Session) -> None:
    """An office upgrades a database whose 南方网 e-mail may have arrived (marked unsure by 0030, or by a release
    after it, with no time of sending), where today's code records such an e-mail as sent when it broke: 统计 of
    March said 投递 1 where an e-mail broken after the upgrade counts, and the draft passed for one none of whose
    e-mails left, so 修改 and 撤回 treated it as never sent, though 南方网 may have it. Expected: sent, in March."""
    unsure = upgraded.get(Submission, 2)
    assert unsure is not None and unsure.state == "unsure"
    assert unsure.sent_at == datetime(2026, 3, 10, 2, 5, tzinfo=UTC)
    assert stats.figures(upgraded, date(2026, 3, 1), date(2026, 4, 1), ZONE).sent == 2
    draft = upgraded.get(Draft, 1)
    assert draft is not None and not drafts.none_sent(upgraded, draft)
