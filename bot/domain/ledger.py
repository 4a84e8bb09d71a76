"""The points ledger (models.points): rewritten from the published submissions whenever a draft's publications
change (刊发, its corrections, 撤销刊发, a reprice).

`refresh` rewrites one draft's months and the member totals they touch; `rebuild` rewrites everything (the
upgrade that brought the tables, `newsbot db rebuild-totals`, a bulk load). A draft's author and editor are
settled before its first publication (刊发 locks the draft, so a revision claiming it comes wholly before or
after; after, it is refused), so a draft's publications are all its rows depend on. Each row names the draft's
author and editor: whose points they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from bot.domain import periods
from models import Draft, DraftMonth, MemberMonth, Share, Submission, SubmissionState

_BATCH = 10_000
_TOTALS_LOCK = 0x6E657773  # "news": the advisory lock of lock_totals

# Who takes which share of a draft: exactly one row per member and draft (rewards.shares, in SQL).
_other_editor = DraftMonth.editor_id.is_not(None) & (DraftMonth.editor_id != DraftMonth.author_id)
_SHARES: tuple[tuple[Share, Any, ColumnElement[bool]], ...] = (
    (Share.solo, DraftMonth.author_id, ~_other_editor),
    (Share.authored, DraftMonth.author_id, _other_editor),
    (Share.edited, DraftMonth.editor_id, _other_editor),
)


def month_key(day: date) -> int:
    return day.year * 100 + day.month


def months(publications: Iterable[tuple[date, float]]) -> list[dict[str, Any]]:
    """One draft's publications (day, points) → its ledger rows, one per month with a publication."""
    rows: dict[int, dict[str, Any]] = {}
    best = 0.0
    quarters: set[tuple[int, int]] = set()
    years: set[int] = set()
    for day, points in sorted(publications):
        quarter = (day.year, periods.quarter(day.month))
        row = rows.setdefault(month_key(day), {"month": month_key(day), "highest": 0.0, "total": 0.0,
                                               "first_in_quarter": quarter not in quarters,
                                               "first_in_year": day.year not in years})
        quarters.add(quarter)
        years.add(day.year)
        row["highest"] += max(points - best, 0.0)
        row["total"] += points
        best = max(best, points)
    return list(rows.values())


def lock_totals(session: Session) -> None:
    """One writer of the kept totals (this ledger and the month's figures) at a time, until the transaction
    ends: two publications of one author rewrite the same rows, and two of one link must see each other.
    SQLite runs one transaction at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_TOTALS_LOCK)))


def refresh(session: Session, draft_id: int) -> None:
    """Rewrite one draft's months from its publications, and its author's and editor's totals for them."""
    lock_totals(session)
    touched = set(session.scalars(select(DraftMonth.month).where(DraftMonth.draft_id == draft_id)))
    session.execute(delete(DraftMonth).where(DraftMonth.draft_id == draft_id))
    touched |= _write_months(session, Submission.draft_id == draft_id)
    people = session.execute(select(Draft.author_id, Draft.editor_id).where(Draft.id == draft_id)).one_or_none()
    if people is not None and touched:
        _recount(session, (sorted(m for m in people if m is not None), sorted(touched)))


def rebuild(session: Session) -> None:
    """Rewrite the whole ledger from the published submissions, a slice of drafts at a time."""
    lock_totals(session)
    session.execute(delete(DraftMonth))
    last = session.scalar(select(func.max(Submission.draft_id))) or 0
    for low in range(0, last + 1, _BATCH):
        _write_months(session, Submission.draft_id >= low, Submission.draft_id < low + _BATCH)
    _recount(session)


def _write_months(session: Session, *where: ColumnElement[bool]) -> set[int]:
    """Insert the months of the drafts published within `where`; returns the months written."""
    published = session.execute(
        select(Submission.draft_id, Draft.author_id, Draft.editor_id, Submission.published_on, Submission.points)
        .join(Draft, Draft.id == Submission.draft_id)
        .where(Submission.state == SubmissionState.published, *where).order_by(Submission.draft_id))
    rows = [row | {"draft_id": draft_id, "author_id": author_id, "editor_id": editor_id}
            for (draft_id, author_id, editor_id), publications in groupby(published, itemgetter(0, 1, 2))
            for row in months((day, points) for *_, day, points in publications if day is not None)]
    if rows:
        session.execute(insert(DraftMonth), rows)
    return {row["month"] for row in rows}


def _recount(session: Session, only: tuple[list[int], list[int]] | None = None) -> None:
    """Rewrite the member totals from the draft months: for `only` (members, months), or all of them."""
    session.execute(delete(MemberMonth).where(
        *([MemberMonth.member_id.in_(only[0]), MemberMonth.month.in_(only[1])] if only else [])))
    for share, member, condition in _SHARES:
        narrowed = [member.in_(only[0]), DraftMonth.month.in_(only[1])] if only else []
        session.execute(insert(MemberMonth).from_select(
            ["month", "member_id", "share", "highest", "total", "new_in_quarter", "new_in_year"],
            select(DraftMonth.month, member, literal(share.value), func.sum(DraftMonth.highest),
                   func.sum(DraftMonth.total), func.count().filter(DraftMonth.first_in_quarter),
                   func.count().filter(DraftMonth.first_in_year))
            .where(condition, *narrowed)
            .group_by(DraftMonth.month, member)))
