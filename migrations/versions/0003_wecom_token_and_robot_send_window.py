"""wecom token and robot send window

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 04:03:23.546072
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('access_token',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('token', sa.String(length=512), nullable=True),
    sa.Column('expires_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('refreshing_until', models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_access_token'))
    )
    op.create_table('send_window',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('sent', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_send_window'))
    )


def downgrade() -> None:
    op.drop_table('send_window')
    op.drop_table('access_token')
