"""the points ledger behind the rankings

The tables start empty: `bot.migrate.upgrade` fills them from the publications once the schema is current.
The covering indexes of 0013 served the rankings' old queries over the submissions and go.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 08:38:53.342939
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('member_month',
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('share', sa.String(length=8), nullable=False),
    sa.Column('highest', sa.Double(), nullable=False),
    sa.Column('total', sa.Double(), nullable=False),
    sa.Column('new_in_quarter', sa.Integer(), nullable=False),
    sa.Column('new_in_year', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_month_member_id_member')),
    sa.PrimaryKeyConstraint('month', 'member_id', 'share', name=op.f('pk_member_month'))
    )
    op.create_table('draft_month',
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('highest', sa.Double(), nullable=False),
    sa.Column('total', sa.Double(), nullable=False),
    sa.Column('first_in_quarter', sa.Boolean(), nullable=False),
    sa.Column('first_in_year', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_draft_month_draft_id_draft')),
    sa.PrimaryKeyConstraint('draft_id', 'month', name=op.f('pk_draft_month'))
    )
    with op.batch_alter_table('draft_month', schema=None) as batch_op:
        batch_op.create_index('ix_draft_month_month_draft_id', ['month', 'draft_id'], unique=False)
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_draft_id_state_published_on_points'))
        batch_op.drop_index(batch_op.f('ix_submission_state_published_on_draft_id_points'))



def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index('ix_submission_state_published_on_draft_id_points',
                              ['state', 'published_on', 'draft_id', 'points'], unique=False)
        batch_op.create_index('ix_submission_draft_id_state_published_on_points',
                              ['draft_id', 'state', 'published_on', 'points'], unique=False)

    with op.batch_alter_table('draft_month', schema=None) as batch_op:
        batch_op.drop_index('ix_draft_month_month_draft_id')

    op.drop_table('draft_month')
    op.drop_table('member_month')
