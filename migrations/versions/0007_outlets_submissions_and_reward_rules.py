"""outlets, submissions and reward rules

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 04:32:02.881443
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outlet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('aliases', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('mailbox', sa.String(length=200), nullable=False),
    sa.Column('min_chars', sa.Integer(), nullable=True),
    sa.Column('max_chars', sa.Integer(), nullable=True),
    sa.Column('max_title_chars', sa.Integer(), nullable=True),
    sa.Column('photos_required', sa.Boolean(), nullable=False),
    sa.Column('byline', sa.String(length=100), nullable=False),
    sa.Column('attachment', sa.String(length=8), nullable=False),
    sa.Column('subject_template', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outlet')),
    sa.UniqueConstraint('name', name=op.f('uq_outlet_name'))
    )
    op.create_table('reward_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('central', sa.Double(), nullable=False),
    sa.Column('provincial', sa.Double(), nullable=False),
    sa.Column('city', sa.Double(), nullable=False),
    sa.Column('county', sa.Double(), nullable=False),
    sa.Column('own', sa.Double(), nullable=False),
    sa.Column('front_page_multiplier', sa.Double(), nullable=False),
    sa.Column('policy', sa.String(length=8), nullable=False),
    sa.Column('editor_share', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_rules'))
    )
    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('outlet_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('queued_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('sent_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('front_page', sa.Boolean(), nullable=False),
    sa.Column('points', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_submission_draft_id_draft')),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlet.id'], name=op.f('fk_submission_outlet_id_outlet')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission')),
    sa.UniqueConstraint('draft_id', 'outlet_id', name=op.f('uq_submission_draft_id'))
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index('ix_submission_outlet_id_sent_at', ['outlet_id', 'sent_at'], unique=False)
        batch_op.create_index('ix_submission_state_published_on', ['state', 'published_on'], unique=False)



    _seed()


# The six outlets of the office's practice (mailboxes to be filled in by an admin) and the default rules.
OUTLETS = [
    ("局微信公众号", "公众号", "own", None, 3000, 30, "inline", "本单位动态、政策解读，面向群众"),
    ("乐昌市政府网", "市政府网|政府网", "county", 300, 2000, 30, "docx", "本市政务信息、部门动态"),
    ("韶关日报", "韶报", "city", 600, 1500, 24, "docx", "地方新闻报道，重在新闻性和时效性"),
    ("韶关市国土资源局网站", "市局网站|韶关国土局", "city", 300, 2000, 30, "docx", "系统内工作动态、经验做法"),
    ("广东省自然资源厅网站", "省厅网站|省厅", "provincial", 500, 2000, 30, "docx", "全省系统工作动态、典型经验"),
    ("南方网", "南方", "provincial", 500, 2000, 30, "docx", "省级新闻网站，重在亮点和特色"),
]


def _seed() -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    outlet = sa.table("outlet", *(sa.column(name) for name in (
        "name", "aliases", "level", "mailbox", "min_chars", "max_chars", "max_title_chars", "photos_required",
        "byline", "attachment", "subject_template", "purpose", "active", "created_at")))
    op.bulk_insert(outlet, [
        {"name": name, "aliases": aliases, "level": level, "mailbox": "", "min_chars": low, "max_chars": high,
         "max_title_chars": title, "photos_required": False, "byline": "", "attachment": attachment,
         "subject_template": "【投稿】{title}（乐昌市自然资源局 {author}）", "purpose": purpose, "active": True,
         "created_at": now}
        for name, aliases, level, low, high, title, attachment, purpose in OUTLETS])
    rules = sa.table("reward_rules", *(sa.column(name) for name in (
        "id", "central", "provincial", "city", "county", "own", "front_page_multiplier", "policy", "editor_share")))
    op.bulk_insert(rules, [{"id": 1, "central": 10, "provincial": 5, "city": 3, "county": 2, "own": 1,
                            "front_page_multiplier": 2, "policy": "highest", "editor_share": 0}])


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_state_published_on')
        batch_op.drop_index('ix_submission_outlet_id_sent_at')

    op.drop_table('submission')
    op.drop_table('reward_rules')
    op.drop_table('outlet')
