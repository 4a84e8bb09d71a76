"""the calendar: schedules, job runs, leads, study items

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 04:48:48.667889
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('claimed_by', sa.String(length=80), nullable=False),
    sa.Column('claimed_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run')),
    sa.UniqueConstraint('schedule_id', 'period', name=op.f('uq_job_run_schedule_id'))
    )
    op.create_table('lead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('userid', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead'))
    )
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_created_at'), ['created_at'], unique=False)

    op.create_table('schedule',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule'))
    )
    op.create_table('study_item',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_study_item'))
    )


    _seed()


THEME_DAYS = [[3, 5, "学雷锋日"], [3, 22, "世界水日"], [4, 15, "全民国家安全教育日"], [4, 22, "世界地球日"],
              [5, 12, "全国防灾减灾日"], [6, 1, "安全生产月"], [6, 25, "全国土地日"], [12, 4, "国家宪法日/全国普法日"]]
DAY, HOURS = 24 * 60, 60
SCHEDULES = [  # id, job, rule (cron fields, Asia/Shanghai), params, grace in minutes
    ("monthly_report", "monthly_report", {"day": "1", "hour": "9", "minute": "0"}, {}, 3 * DAY),
    ("meeting", "meeting", {"day": "last fri", "hour": "15", "minute": "0"},
     {"place": "局三楼会议室", "agenda": "交流讨论最新的新闻线索和用稿动态；写稿经验交流"}, 6 * HOURS),
    ("meeting_notice", "meeting_notice", {"hour": "9", "minute": "0"}, {"days_before": 3}, 6 * HOURS),
    ("meeting_day_notice", "meeting_notice", {"hour": "8", "minute": "30"}, {"days_before": 0}, 6 * HOURS),
    ("study_reminder", "study_reminder", {"day": "5", "hour": "9", "minute": "0"}, {}, 1 * DAY),
    ("theme_day_calls", "theme_day_calls", {"hour": "9", "minute": "0"},
     {"days_before": 10, "days": THEME_DAYS}, 6 * HOURS),
    ("overdue_reminders", "overdue_reminders", {"day_of_week": "mon-fri", "hour": "9", "minute": "30"}, {},
     6 * HOURS),
    ("year_end", "year_end", {"month": "12", "day": "28", "hour": "10", "minute": "0"}, {}, 3 * DAY),
]


def _seed() -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    schedule = sa.table("schedule", *(sa.column(name, type_) for name, type_ in (
        ("id", sa.String()), ("job", sa.String()), ("rule", sa.JSON()), ("enabled", sa.Boolean()),
        ("params", sa.JSON()), ("grace_minutes", sa.Integer()), ("updated_at", sa.DateTime()))))
    op.bulk_insert(schedule, [{"id": key, "job": job, "rule": rule, "enabled": True, "params": params,
                               "grace_minutes": grace, "updated_at": now}
                              for key, job, rule, params, grace in SCHEDULES])


def downgrade() -> None:
    op.drop_table('study_item')
    op.drop_table('schedule')
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_created_at'))

    op.drop_table('lead')
    op.drop_table('job_run')
