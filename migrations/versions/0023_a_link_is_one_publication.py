"""a link is one publication

刊发 refuses a link already recorded for another outlet or draft (one article would earn its points twice).
It compares links by `link_key`: a hash of the link as one article's links share it (the host's case or
Chinese spelling, a default port, a trailing slash, percent-encoding and a #fragment make no difference),
through this partial index, whatever the size of the table. The keys of the publications recorded so far
are written here, with the rule as it is today.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-27 10:40:00
"""

import hashlib
from collections.abc import Sequence
from urllib.parse import quote, unquote, urlsplit

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def link_key(url: str) -> str:
    """A copy of link_key (bot.domain.links; in bot.domain.publishing then) as it is at this revision."""
    return hashlib.sha256(_same_article(url).encode()).hexdigest()  # a fixed length, however the link is written


def _same_article(url: str) -> str:
    parts = urlsplit(url)
    try:
        host = _ascii_host(parts.hostname or "") + ("" if parts.port in (None, 80, 443) else f":{parts.port}")
    except ValueError:
        host = parts.netloc.lower()
    fragment = parts.fragment if parts.fragment.startswith(("/", "!")) else ""
    path, query = (quote(unquote(part), safe=_URL_SAFE) for part in (parts.path.rstrip("/"), parts.query))
    return host + path + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")


_URL_SAFE = "/?=&;:@!$'()*+,~"


def _ascii_host(host: str) -> str:
    try:
        return host.encode("idna").decode()
    except UnicodeError:
        return host


def upgrade() -> None:
    op.add_column('submission', sa.Column('link_key', sa.String(length=64), nullable=True))
    submission = sa.table('submission', sa.column('id', sa.Integer), sa.column('url', sa.String),
                          sa.column('link_key', sa.String))
    connection = op.get_bind()
    last = 0
    while rows := connection.execute(sa.select(submission.c.id, submission.c.url).where(
            submission.c.id > last, submission.c.url.is_not(None)).order_by(submission.c.id).limit(_BATCH)).all():
        connection.execute(sa.update(submission).where(submission.c.id == sa.bindparam('row_id')).values(
            link_key=sa.bindparam('key')), [{'row_id': row.id, 'key': link_key(row.url)} for row in rows])
        last = rows[-1].id
    op.create_index('ix_submission_link_key', 'submission', ['link_key'], unique=False,
                    sqlite_where=sa.text("link_key IS NOT NULL"), postgresql_where=sa.text("link_key IS NOT NULL"))


def downgrade() -> None:
    op.drop_index('ix_submission_link_key', table_name='submission',
                  sqlite_where=sa.text("link_key IS NOT NULL"), postgresql_where=sa.text("link_key IS NOT NULL"))
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('link_key')
