"""drafts counted by day and state

统计 now leaves withdrawn drafts out of 投稿 and takes a whole year: the count of a period's drafts reads
their state as well as their day. With the state in the index beside the day, the count is read from the
index alone, instead of a row lookup per draft (a year of a large office is tens of thousands).

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-27 21:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_index('ix_draft_created_at')
        batch_op.create_index('ix_draft_created_at_state', ['created_at', 'state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_index('ix_draft_created_at_state')
        batch_op.create_index('ix_draft_created_at', ['created_at'], unique=False)
