"""an author's drafts by state

投稿 asks whether the author has a draft of that title returned to them (it would be a second draft beside the
one that waits for 修改), and 稿件 lists the drafts returned to them: by the author's drafts in that state, not
all of the author's drafts (3,300 over ten years at 1,000,000).

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-28 09:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0034'
down_revision: str | None = '0033'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_draft_author_id_state', 'draft', ['author_id', 'state'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_draft_author_id_state', table_name='draft')
