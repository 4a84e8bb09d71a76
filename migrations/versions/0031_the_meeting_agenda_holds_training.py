"""the monthly meeting's agenda, as seeded, holds its training

The office's account of its 宣传工作例会 has three parts: 开展宣传培训工作, 交流讨论最新的新闻线索和用稿动态, 写稿经验
交流; the seeded agenda left out the first. An agenda an admin changed is theirs and stays.

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-28 09:10:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0031'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEEDED = "交流讨论最新的新闻线索和用稿动态；写稿经验交流"
WITH_TRAINING = "宣传培训；交流讨论最新的新闻线索和用稿动态；写稿经验交流"
_SCHEDULE = sa.table("schedule", sa.column("id", sa.String), sa.column("params", sa.JSON))


def upgrade() -> None:
    _replace(SEEDED, WITH_TRAINING)


def downgrade() -> None:
    _replace(WITH_TRAINING, SEEDED)


def _replace(agenda: str, by: str) -> None:
    connection = op.get_bind()
    params = connection.scalar(sa.select(_SCHEDULE.c.params).where(_SCHEDULE.c.id == "meeting"))
    if isinstance(params, str):  # a JSON column read back as text by some drivers
        params = json.loads(params)
    if params and params.get("agenda") == agenda:
        connection.execute(sa.update(_SCHEDULE).where(_SCHEDULE.c.id == "meeting").values(
            params={**params, "agenda": by}))
