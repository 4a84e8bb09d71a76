"""the 头版 multiplier of a publication's day

A publication keeps the points of the day it was recorded. When 头版 is learnt or taken back later, its points
were multiplied or divided by today's multiplier, so a multiplier changed in between gave it points of no day
(a city 头版 of 6 under ×2, corrected to 第3版 under ×3, became 2). Each publication now keeps its day's
multiplier; rows recorded before this revision keep NULL, and today's is used for them, as before.

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-28 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('submission', sa.Column('front_page_multiplier', sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('front_page_multiplier')
