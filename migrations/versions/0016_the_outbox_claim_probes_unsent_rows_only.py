"""the outbox claim probes unsent rows only

The claim's "no earlier unsent row to the same recipient" walked the recipient's whole history through
(channel, recipient, id), reading each row's state: an editor gets a message per draft, so the claim grew
with the history and held SQLite's write lock for 10 ms and more. With the state in the index before the
id it is two probes, whatever the history. (A member's recent file job, found by channel and recipient
newest first, now sorts that member's few file jobs instead of reading the index backwards.)

Building the index blocks writes to the outbox while it runs: on a large outbox, `newsbot outbox
purge-sent --older-than DAYS` first keeps that short.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 19:58:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_channel_recipient_id')
        batch_op.create_index('ix_outbox_message_channel_recipient_state_id', ['channel', 'recipient', 'state', 'id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_channel_recipient_state_id')
        batch_op.create_index('ix_outbox_message_channel_recipient_id', ['channel', 'recipient', 'id'], unique=False)
