"""the month's figures per outlet and author

The table starts empty: `bot.migrate.upgrade` fills it from the submissions once the schema is current.
统计 no longer reads all submissions of a month, so those indexes go; recounting one outlet's month reads
its range of (outlet, sent_at) or (outlet, published_on), and departments without drafts are found by one
probe per member.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 09:03:30.962419
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outlet_month',
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('outlet_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('published', sa.Integer(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'], name=op.f('fk_outlet_month_author_id_member')),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlet.id'], name=op.f('fk_outlet_month_outlet_id_outlet')),
    sa.PrimaryKeyConstraint('month', 'outlet_id', 'author_id', name=op.f('pk_outlet_month'))
    )
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.create_index('ix_draft_author_id_created_at', ['author_id', 'created_at'], unique=False)
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_published_on'))
        batch_op.drop_index(batch_op.f('ix_submission_sent_at'))
        batch_op.create_index('ix_submission_outlet_id_published_on', ['outlet_id', 'published_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_outlet_id_published_on')
        batch_op.create_index(batch_op.f('ix_submission_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_published_on'), ['published_on'], unique=False)
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_index('ix_draft_author_id_created_at')
    op.drop_table('outlet_month')
