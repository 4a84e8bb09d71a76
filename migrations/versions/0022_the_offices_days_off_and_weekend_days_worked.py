"""the office's days off and weekend days worked (节假日与调休)

The editor's clock (EDIT_SLA_HOURS, working days only) and 催办 follow the office's calendar: Monday to
Friday, less the holidays the admins enter, plus the weekend days worked in their place. 催办's rule loses
its Monday to Friday (an hour an admin set stays): the job itself skips days that are not working days, and
so reminds on a Saturday worked.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-27 08:00:00
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

schedule = sa.table("schedule", sa.column("id", sa.String), sa.column("rule", sa.JSON))
WEEKDAYS = {"day_of_week": "mon-fri"}


def _reminders_rule(change: Callable[[dict[str, str]], dict[str, str]]) -> None:
    connection = op.get_bind()
    rule = connection.scalar(sa.select(schedule.c.rule).where(schedule.c.id == "overdue_reminders"))
    if rule is not None:
        connection.execute(schedule.update().where(schedule.c.id == "overdue_reminders").values(rule=change(rule)))


def upgrade() -> None:
    op.create_table('special_day',
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('off', sa.Boolean(), nullable=False),
                    sa.Column('name', sa.String(length=40), nullable=False),
                    sa.PrimaryKeyConstraint('day', name=op.f('pk_special_day')))
    _reminders_rule(lambda rule: {field: value for field, value in rule.items()
                                  if (field, value) not in WEEKDAYS.items()})


def downgrade() -> None:
    _reminders_rule(lambda rule: rule if "day_of_week" in rule else WEEKDAYS | rule)
    op.drop_table('special_day')
