"""e-mails that may have arrived were sent

An e-mail whose connection broke once the outlet's server had it (unsure, 可能已发出) is recorded as sent at the
moment it failed (统计 counts it in 投递; 修改 and 撤回 see that the draft left). Those marked unsure by revision
0030, or by the releases before that rule, have no sent_at: they get the time of their last mail.failed event, else
the time they were queued. `newsbot db upgrade` rewrites the month's figures after it (bot.migrate.KEPT_TOTALS).

Revision ID: 0038
Revises: 0037
Create Date: 2026-11-28 18:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0038'
down_revision: str | None = '0037'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
UPDATE submission SET sent_at = COALESCE((
    SELECT a.at FROM audit_event a
    WHERE a.draft_id = submission.draft_id AND a.action = 'mail.failed'
      AND a.comment LIKE (SELECT o.name FROM outlet o WHERE o.id = submission.outlet_id) || '：%'
    ORDER BY a.id DESC LIMIT 1), queued_at)
WHERE state = 'unsure' AND sent_at IS NULL
""")


def downgrade() -> None:
    pass  # a time of sending is what 0037's code reads too: nothing to undo
