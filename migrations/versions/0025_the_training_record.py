"""the training record

The office's training record (通讯员培训台账): each training (the yearly one with experienced journalists
from the province and city, or a writing course a member attended outside) and who took part, for 培训 and
the year-end summary.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-27 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('training',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('title', sa.String(length=60), nullable=False),
                    sa.Column('speaker', sa.String(length=60), nullable=False),
                    sa.Column('recorded_by', sa.String(length=64), nullable=False),
                    sa.Column('recorded_at', models.base.UTCDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_training')),
                    sa.UniqueConstraint('day', 'title', name=op.f('uq_training_day')))
    op.create_table('training_attendance',
                    sa.Column('training_id', sa.Integer(), nullable=False),
                    sa.Column('member_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['member_id'], ['member.id'],
                                            name=op.f('fk_training_attendance_member_id_member')),
                    sa.ForeignKeyConstraint(['training_id'], ['training.id'],
                                            name=op.f('fk_training_attendance_training_id_training')),
                    sa.PrimaryKeyConstraint('training_id', 'member_id', name=op.f('pk_training_attendance')))
    with op.batch_alter_table('training_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_attendance_member_id'), ['member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('training_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_attendance_member_id'))
    op.drop_table('training_attendance')
    op.drop_table('training')
