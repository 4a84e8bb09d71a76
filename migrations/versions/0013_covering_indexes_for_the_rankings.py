"""covering indexes for the rankings

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 06:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_state_published_on')
        batch_op.create_index('ix_submission_state_published_on_draft_id_points',
                              ['state', 'published_on', 'draft_id', 'points'], unique=False)
        batch_op.create_index('ix_submission_draft_id_state_published_on_points',
                              ['draft_id', 'state', 'published_on', 'points'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_draft_id_state_published_on_points')
        batch_op.drop_index('ix_submission_state_published_on_draft_id_points')
        batch_op.create_index('ix_submission_state_published_on', ['state', 'published_on'], unique=False)
