"""what a member was sent lately

An app message is numbered when the same words went to the same member in the last 30 minutes (WeCom would drop
it). Finding those read all a member was ever sent (an editor's 33,000 messages at 1,000,000 drafts: 投稿 took
50 ms); this index holds the recipient's messages by when they were sent.

Revision ID: 0035
Revises: 0034
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0035'
down_revision: str | None = '0034'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_outbox_message_channel_recipient_sent_at', 'outbox_message',
                    ['channel', 'recipient', 'sent_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_message_channel_recipient_sent_at', table_name='outbox_message')
