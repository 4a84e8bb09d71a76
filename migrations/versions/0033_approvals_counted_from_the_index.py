"""approvals counted from the index alone

统计 counts the drafts approved in each month (a year: 100,000 approvals at the scale target). The index on
(action, at) found them but read every row for its draft; with the draft in the index, the count reads the
index alone.

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-28 09:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0033'
down_revision: str | None = '0032'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in batch mode: SQLite would copy the table, and the audit log's triggers refuse that (revision 0026).
    op.create_index('ix_audit_event_action_at_draft_id', 'audit_event', ['action', 'at', 'draft_id'], unique=False)
    op.drop_index('ix_audit_event_action_at', table_name='audit_event')


def downgrade() -> None:
    op.create_index('ix_audit_event_action_at', 'audit_event', ['action', 'at'], unique=False)
    op.drop_index('ix_audit_event_action_at_draft_id', table_name='audit_event')
