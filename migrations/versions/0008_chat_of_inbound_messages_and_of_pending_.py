"""chat of inbound messages and of pending pages

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 04:35:07.902283
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_type", sa.String(length=8), nullable=False, server_default="single"))
        batch_op.add_column(sa.Column("chat_id", sa.String(length=100), nullable=False, server_default=""))
    # Pending pages are transient ("更多" within minutes): rebuild the table keyed by member and chat.
    op.drop_table("pending_pages")
    op.create_table(
        "pending_pages",
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("chat", sa.String(length=8), nullable=False, server_default="single"),
        sa.Column("pages", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("userid", "chat", name=op.f("pk_pending_pages")),
    )


def downgrade() -> None:
    op.drop_table("pending_pages")
    op.create_table(
        "pending_pages",
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("userid", name=op.f("pk_pending_pages")),
    )
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_column("chat_id")
        batch_op.drop_column("chat_type")
