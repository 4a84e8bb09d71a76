"""series of reports (专题)

The office plans series of reports around its central work (组织策划系列报道: 垦造水田, 拆旧复垦, 地质灾害防治
…). Admins name the series; a draft is put into one; `专题` counts each series' drafts and publications.
A table of its own links drafts to series, so the draft table is not rewritten.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('topic',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=32), nullable=False),
                    sa.Column('active', sa.Boolean(), nullable=False),
                    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic')),
                    sa.UniqueConstraint('name', name=op.f('uq_topic_name')))
    op.create_table('draft_topic',
                    sa.Column('draft_id', sa.Integer(), nullable=False),
                    sa.Column('topic_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_draft_topic_draft_id_draft')),
                    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_draft_topic_topic_id_topic')),
                    sa.PrimaryKeyConstraint('draft_id', name=op.f('pk_draft_topic')))
    with op.batch_alter_table('draft_topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_topic_topic_id'), ['topic_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('draft_topic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_topic_topic_id'))
    op.drop_table('draft_topic')
    op.drop_table('topic')
