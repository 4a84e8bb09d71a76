"""a reprint is a publication no e-mail of ours preceded, queued or not

Revision 0020 read "no e-mail of ours" as "recorded by 刊发 with no message id". An e-mail queued by 投递 that
never left (the mail server down, the outlet reprinting another's meanwhile) preceded nothing either: the
index now holds the publications with no e-mail sent (sent_at unset), still a few rows.

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-28 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0032'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = 'ix_submission_reprints_published_on'
_BEFORE, _AFTER = sa.text("message_id = ''"), sa.text("sent_at IS NULL")


def upgrade() -> None:
    op.drop_index(_NAME, table_name='submission', sqlite_where=_BEFORE, postgresql_where=_BEFORE)
    op.create_index(_NAME, 'submission', ['published_on'], unique=False, sqlite_where=_AFTER,
                    postgresql_where=_AFTER)


def downgrade() -> None:
    op.drop_index(_NAME, table_name='submission', sqlite_where=_AFTER, postgresql_where=_AFTER)
    op.create_index(_NAME, 'submission', ['published_on'], unique=False, sqlite_where=_BEFORE,
                    postgresql_where=_BEFORE)
