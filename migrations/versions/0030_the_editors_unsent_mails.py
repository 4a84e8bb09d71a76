"""the e-mails of sent drafts that did not go out, for their editor's 待我处理

A draft stays 已投递 when an outlet's e-mail failed (or may not have arrived); its editor lists those drafts
until the e-mail is sent again or the outlet recorded as 不采用. The index holds only those few submissions.
An e-mail that may have arrived, 'failed' until now, becomes 'unsure': 投递 全部 no longer sends it again.

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-28 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0030'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNSENT = sa.text("state IN ('failed', 'unsure')")


# An e-mail that may have arrived was 'failed' before, its last mail.failed event saying 「南方网：可能已发出」.
_MAYBE_ARRIVED = """
UPDATE submission SET state = 'unsure' WHERE state = 'failed' AND (
    SELECT a.comment FROM audit_event a
    WHERE a.draft_id = submission.draft_id AND a.action = 'mail.failed'
      AND a.comment LIKE (SELECT o.name FROM outlet o WHERE o.id = submission.outlet_id) || '：%'
    ORDER BY a.id DESC LIMIT 1
) = (SELECT o.name FROM outlet o WHERE o.id = submission.outlet_id) || '：可能已发出'
"""


def upgrade() -> None:
    op.execute(_MAYBE_ARRIVED)
    op.create_index('ix_submission_unsent_draft_id', 'submission', ['draft_id'], unique=False,
                    sqlite_where=_UNSENT, postgresql_where=_UNSENT)


def downgrade() -> None:
    op.drop_index('ix_submission_unsent_draft_id', table_name='submission', sqlite_where=_UNSENT,
                  postgresql_where=_UNSENT)
    op.execute("UPDATE submission SET state = 'failed' WHERE state = 'unsure'")  # as 0029 wrote them
