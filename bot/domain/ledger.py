"""The points ledger (models.points): rewritten from the published submissions whenever a draft is published.

`refresh` rewrites one draft's months and the member totals they touch; `rebuild` rewrites everything (after
an upgrade that brought the tables, or a bulk load). Publications only ever get added, and a draft's author
and editor are settled before its first publication, so a draft's publications are all its rows depend on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, insert, literal, select
from sqlalchemy.orm import Session

from models import Draft, DraftMonth, MemberMonth, RewardRules, Share, Submission, SubmissionState

_BATCH = 10_000

# Who takes which share of a draft: exactly one row per member and draft.
_other_editor = Draft.editor_id.is_not(None) & (Draft.editor_id != Draft.author_id)
_SHARES: tuple[tuple[Share, Any, ColumnElement[bool]], ...] = (
    (Share.solo, Draft.author_id, ~_other_editor),
    (Share.authored, Draft.author_id, _other_editor),
    (Share.edited, Draft.editor_id, _other_editor),
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
        quarter = (day.year, (day.month - 1) // 3)
        row = rows.setdefault(month_key(day), {"month": month_key(day), "highest": 0.0, "total": 0.0,
                                               "first_in_quarter": quarter not in quarters,
                                               "first_in_year": day.year not in years})
        quarters.add(quarter)
        years.add(day.year)
        row["highest"] += max(points - best, 0.0)
        row["total"] += points
        best = max(best, points)
    return list(rows.values())


def serialize(session: Session) -> None:
    """One writer of derived totals at a time: two publications of one author rewrite the same rows."""
    session.get(RewardRules, 1, with_for_update=True)


def refresh(session: Session, draft_id: int) -> None:
    """Rewrite one draft's months from its publications, and its author's and editor's totals for them."""
    serialize(session)
    touched = set(session.scalars(select(DraftMonth.month).where(DraftMonth.draft_id == draft_id)))
    session.execute(delete(DraftMonth).where(DraftMonth.draft_id == draft_id))
    touched |= _write_months(session, Submission.draft_id == draft_id)
    draft = session.get(Draft, draft_id)
    if draft is not None and touched:
        _recount(session, [m for m in (draft.author_id, draft.editor_id) if m is not None], sorted(touched))


def rebuild(session: Session) -> None:
    """Rewrite the whole ledger from the published submissions, a slice of drafts at a time."""
    serialize(session)
    session.execute(delete(MemberMonth))
    session.execute(delete(DraftMonth))
    last = session.scalar(select(func.max(Submission.draft_id))) or 0
    for low in range(0, last + 1, _BATCH):
        _write_months(session, Submission.draft_id >= low, Submission.draft_id < low + _BATCH)
    _recount(session)


def rebuild_if_missing(session: Session) -> bool:
    """Fill the ledger once on a database that has publications but no ledger yet (the upgrade that adds it)."""
    published = exists().where(Submission.state == SubmissionState.published)
    if not session.scalar(select(published & ~exists().select_from(DraftMonth))):
        return False
    rebuild(session)
    return True


def _write_months(session: Session, *where: ColumnElement[bool]) -> set[int]:
    """Insert the months of the drafts published within `where`; returns the months written."""
    published = session.execute(
        select(Submission.draft_id, Submission.published_on, Submission.points)
        .where(Submission.state == SubmissionState.published, *where).order_by(Submission.draft_id))
    rows = [row | {"draft_id": draft_id} for draft_id, publications in groupby(published, itemgetter(0))
            for row in months((day, points) for _, day, points in publications if day is not None)]
    if rows:
        session.execute(insert(DraftMonth), rows)
    return {row["month"] for row in rows}


def _recount(session: Session, member_ids: Sequence[int] | None = None,
             months_: Sequence[int] | None = None) -> None:
    """Rewrite the member totals from the draft months: for these members and months, or all."""
    where: list[ColumnElement[bool]] = []
    if member_ids is not None and months_ is not None:
        where = [MemberMonth.member_id.in_(member_ids), MemberMonth.month.in_(months_)]
    session.execute(delete(MemberMonth).where(*where))
    for share, member, condition in _SHARES:
        wanted = [condition] if member_ids is None or months_ is None else [
            condition, member.in_(member_ids), DraftMonth.month.in_(months_)]
        session.execute(insert(MemberMonth).from_select(
            ["month", "member_id", "share", "highest", "total", "new_in_quarter", "new_in_year"],
            select(DraftMonth.month, member, literal(share.value), func.sum(DraftMonth.highest),
                   func.sum(DraftMonth.total), func.count().filter(DraftMonth.first_in_quarter),
                   func.count().filter(DraftMonth.first_in_year))
            .join(Draft, Draft.id == DraftMonth.draft_id).where(*wanted)
            .group_by(DraftMonth.month, member)))
