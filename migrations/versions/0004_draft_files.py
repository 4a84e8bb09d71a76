"""draft files

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:13:55.752851
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('draft_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('path', sa.String(length=500), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_draft_file_draft_id_draft')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_file')),
    sa.UniqueConstraint('source_key', name=op.f('uq_draft_file_source_key'))
    )
    with op.batch_alter_table('draft_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_file_draft_id'), ['draft_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('draft_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_file_draft_id'))

    op.drop_table('draft_file')
