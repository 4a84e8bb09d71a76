"""a department's own editor

product.md: new drafts go to the least-loaded editor, configurable as a fixed editor per department (传帮带:
an experienced correspondent looks after a department's drafts). `成员 部门编辑 规划股 lisi` sets one.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('department_editor',
                    sa.Column('department', sa.String(length=64), nullable=False),
                    sa.Column('editor_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['editor_id'], ['member.id'],
                                            name=op.f('fk_department_editor_editor_id_member')),
                    sa.PrimaryKeyConstraint('department', name=op.f('pk_department_editor')))


def downgrade() -> None:
    op.drop_table('department_editor')
