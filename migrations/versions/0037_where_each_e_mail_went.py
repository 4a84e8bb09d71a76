"""where each e-mail went

An outlet's mailbox can change after a draft was sent to it (a mistyped address put right, a new 投稿邮箱):
`投递 #N 媒体` then sends it again to the new one, which needs the address the e-mail went to. Rows sent before
this revision have none (the outlet's mailbox of the day is unknown): they are taken as sent where it is now.

Revision ID: 0037
Revises: 0036
Create Date: 2026-11-28 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0037'
down_revision: str | None = '0036'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('submission', sa.Column('sent_to', sa.String(length=256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('sent_to')
