"""the month's reprints (转载)

The office means to raise 上稿率 and 转载率. A reprint is a publication that no e-mail of ours preceded
(刊发 records it with no message id); 统计 counts the month's reprints through this partial index, a
range of the few such rows whatever the size of the table.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_submission_reprints_published_on', 'submission', ['published_on'], unique=False,
                    sqlite_where=sa.text("message_id = ''"), postgresql_where=sa.text("message_id = ''"))


def downgrade() -> None:
    op.drop_index('ix_submission_reprints_published_on', table_name='submission',
                  sqlite_where=sa.text("message_id = ''"), postgresql_where=sa.text("message_id = ''"))
