"""drafts by their text

投稿 refuses an article another member submitted this week word for word (a forwarded text: two drafts, two
editors, two rewards for one article). The versions' hash, indexed, finds it without reading them all.

Revision ID: 0036
Revises: 0035
Create Date: 2026-11-28 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0036'
down_revision: str | None = '0035'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_draft_version_hash', 'draft_version', ['hash'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_draft_version_hash', table_name='draft_version')
