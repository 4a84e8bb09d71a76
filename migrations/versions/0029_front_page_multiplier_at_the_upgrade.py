"""the 头版 multiplier of publications recorded before 0028

Revision 0028 left NULL the multiplier of publications recorded before it, so a 头版 learnt or taken back later
used the multiplier of that later day. The day's own is not known; the one in force at this upgrade is the
nearest to it, and it no longer moves with later changes of the rules.

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-28 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE submission SET front_page_multiplier = "
               "(SELECT front_page_multiplier FROM reward_rules WHERE id = 1) "
               "WHERE front_page_multiplier IS NULL AND state = 'published'")  # the others get theirs at 刊发


def downgrade() -> None:
    pass  # the values are as good as NULL was, and NULL cannot be told apart from them
