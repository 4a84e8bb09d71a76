"""a publication in print

刊发 records a publication in an outlet's print edition that has no link (报纸、期刊) by its page or issue
(第3版, A2版, 2026年第5期); the page is also kept beside a link when it is given. Publications recorded so far
have none.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-27 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('submission', sa.Column('page', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('page')
