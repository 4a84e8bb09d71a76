"""the yearly correspondent training reminder

The office's account: 每年均会邀请省、市上级主管部门经验丰富的宣传工作者前来该局开展通讯员培训. A schedule
asks each admin on March 1 at 09:00 to arrange the year's training; like every schedule it is data
(`日程 设置 training_reminder month=4`, `日程 停用 training_reminder`).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 01:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SCHEDULE = sa.table("schedule", *(sa.column(name, type_) for name, type_ in (
    ("id", sa.String()), ("job", sa.String()), ("rule", sa.JSON()), ("enabled", sa.Boolean()),
    ("params", sa.JSON()), ("grace_minutes", sa.Integer()), ("updated_at", sa.DateTime()))))
_JOB_RUN = sa.table("job_run", sa.column("schedule_id", sa.String()))


def upgrade() -> None:
    op.bulk_insert(_SCHEDULE, [{"id": "training_reminder", "job": "training_reminder",
                                "rule": {"month": "3", "day": "1", "hour": "9", "minute": "0"}, "enabled": True,
                                "params": {}, "grace_minutes": 3 * 24 * 60,
                                "updated_at": datetime.now(UTC).replace(tzinfo=None)}])


def downgrade() -> None:
    op.execute(_JOB_RUN.delete().where(_JOB_RUN.c.schedule_id == "training_reminder"))
    op.execute(_SCHEDULE.delete().where(_SCHEDULE.c.id == "training_reminder"))
