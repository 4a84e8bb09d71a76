"""a link is one publication

刊发 refuses a link already recorded for another outlet or draft (one article would earn its points twice);
it looks the link up among the published submissions through this partial index, whatever the size of the
table.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-27 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_submission_url', 'submission', ['url'], unique=False,
                    sqlite_where=sa.text("url IS NOT NULL"), postgresql_where=sa.text("url IS NOT NULL"))


def downgrade() -> None:
    op.drop_index('ix_submission_url', table_name='submission',
                  sqlite_where=sa.text("url IS NOT NULL"), postgresql_where=sa.text("url IS NOT NULL"))
