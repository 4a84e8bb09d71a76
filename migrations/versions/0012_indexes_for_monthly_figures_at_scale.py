"""indexes for monthly figures at scale

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 05:32:05.636832
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index('ix_submission_published_on', ['published_on'], unique=False)
        batch_op.create_index('ix_submission_sent_at', ['sent_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_sent_at')
        batch_op.drop_index('ix_submission_published_on')

