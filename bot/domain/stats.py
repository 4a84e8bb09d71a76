"""The figures of a month, a quarter or a year (统计): drafts, approvals, submissions, publications and 上稿率.

The submissions are read from cells kept per month, outlet and author (models.figures): `recount` rewrites
a submission's cells whenever it is e-mailed or published, `rebuild` all of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, exists, func, insert, or_, select
from sqlalchemy.orm import Session, aliased

from bot.domain import ledger
from bot.domain.members import owing_departments
from bot.domain.periods import next_month
from models import AuditEvent, Draft, DraftState, Level, Member, Outlet, OutletMonth, Submission, SubmissionState

K = TypeVar("K", bound=Hashable)
_BATCH = 20_000


def percent(part: int, whole: int) -> str:
    """「13%」: a rate in whole percent, a half rounded up (四舍五入, as the office and its spreadsheets count: 1 of 8
    is 13 %, as 3 of 8 is 38 %; `:.0%` would round an exact half to even), counted in integers; 「—」 of nothing."""
    return f"{(200 * part + whole) // (2 * whole)}%" if whole else "—"


@dataclass(frozen=True)
class Row:
    name: str
    sent: int  # e-mailed in the period
    published: int  # published in the period (whenever sent)
    used: int  # of those sent in the period, how many were published (so far)

    @property
    def rate(self) -> str:
        """上稿率: the share of the period's submissions that were published."""
        return percent(self.used, self.sent)


@dataclass(frozen=True)
class Figures:
    submitted: int
    approved: int
    sent: int
    published: int
    outlets: list[Row]
    levels: list[Row]
    departments: list[Row]
    silent_departments: list[str]  # 宣传无死角: departments with no draft in the period
    reprinted: int  # 转载: publications in the period of drafts published before, no e-mail of ours preceding them

    @property
    def reprint_rate(self) -> str:
        """转载率: the share of the period's publications that were reprints."""
        return percent(self.reprinted, self.published)

    def lines(self, name: str) -> list[str]:
        """The period as 统计 answers it and `newsbot report monthly` prints it: the headline, then per outlet,
        level and department, and the departments with no draft (宣传无死角)."""
        lines = [f"{name}：{self.headline}"]
        for title, rows in (("按媒体", self.outlets), ("按级别", self.levels), ("按部门", self.departments)):
            if rows:
                lines.append(f"{title}（投递/刊发/上稿率）：")
                lines += [f"{r.name} {r.sent}/{r.published}/{r.rate}" for r in rows]
        if self.silent_departments:
            lines.append(f"{name}没有投稿的部门：{'、'.join(self.silent_departments)}")
        return lines

    @property
    def headline(self) -> str:
        """The period in one line, as 统计, the monthly report and the year's summary all give it."""
        return (f"投稿 {self.submitted} 篇，批准 {self.approved} 篇，投递 {self.sent} 次，刊发 {self.published} 篇次"
                f"（其中转载 {self.reprinted} 篇次，转载率 {self.reprint_rate}）")


# Typed as the column: a bare parameter would skip its UTC conversion (PostgreSQL reads it in the session's zone).
_APPROVED = select(func.count(func.distinct(AuditEvent.draft_id))).where(
    AuditEvent.action == "approve", AuditEvent.at >= bindparam("since", type_=AuditEvent.at.type),
    AuditEvent.at < bindparam("until", type_=AuditEvent.at.type))


def figures(session: Session, start: date, end: date, zone: ZoneInfo) -> Figures:
    """The figures of whole calendar months [start, end): a month, a quarter or a year."""
    if start.day != 1 or end.day != 1 or end <= start:
        raise ValueError(f"the figures are by whole calendar months, not {start}–{end}")
    since, until = instant(start, zone), instant(end, zone)
    # A draft its author withdrew (a test, a duplicate) was never a submission the office counts.
    submitted_in = (Draft.created_at >= since, Draft.created_at < until, Draft.state != DraftState.withdrawn)
    submitted = session.scalar(select(func.count()).select_from(Draft).where(*submitted_in)) or 0
    # The drafts approved in each month (a re-approval after a 修改 in the same month is none), added up as the
    # other figures are: a quarter or a year is its months added up, a draft approved again in a later month too.
    approved, month = 0, start
    while month < end:
        following = next_month(month)
        approved += session.scalar(_APPROVED, {"since": instant(month, zone), "until": instant(following, zone)}) or 0
        month = following
    # The months' cells by outlet and author (bot.domain.stats.recount keeps them), added up per outlet and
    # department in SQL (a year of a large office is tens of thousands of cells); three views add those up.
    cells = session.execute(
        select(Outlet.id, Outlet.name, Outlet.level, Member.department, func.sum(OutletMonth.sent),
               func.sum(OutletMonth.published), func.sum(OutletMonth.used))
        .join(Outlet, Outlet.id == OutletMonth.outlet_id).join(Member, Member.id == OutletMonth.author_id)
        .where(OutletMonth.month >= ledger.month_key(start), OutletMonth.month < ledger.month_key(end))
        .group_by(Outlet.id, Outlet.name, Outlet.level, Member.department)).all()
    by_outlet = _totals(((outlet_id, name), counts) for outlet_id, name, _, _, *counts in cells)
    by_level = _totals((level, counts) for _, _, level, _, *counts in cells)
    by_department = _totals((department, counts) for _, _, _, department, *counts in cells)
    active = owing_departments(session.scalars(select(Member).where(Member.active.is_(True))))
    with_drafts = set(session.scalars(select(Member.department).where(exists().where(  # one probe per member
        Draft.author_id == Member.id, *submitted_in))))
    # The condition is written as a literal, as in the partial index's: a parameter could not be matched to it
    # by a plan made before its value is known (PostgreSQL's generic plans).
    # Outlets of level 本单位 (by default the 局微信公众号) publish what the office posts itself: never a reprint.
    # Nor is a draft's first publication, though the author sent it themselves: a reprint copies an earlier one.
    earlier = aliased(Submission)
    reprinted = session.scalar(select(func.count()).select_from(Submission).join(Outlet).where(
        Submission.sent_at.is_(None), Submission.published_on >= start,
        Submission.published_on < end, Outlet.level != Level.own,
        exists().where(earlier.draft_id == Submission.draft_id, or_(
            earlier.published_on < Submission.published_on,
            (earlier.published_on == Submission.published_on) & (earlier.id < Submission.id))))) or 0
    outlets = [Row(name, *numbers) for (_, name), numbers in sorted(by_outlet.items())]
    levels = [Row(Level(level).label, *by_level[level]) for level in Level if level in by_level]  # 中央 first
    departments = [Row(name or "未填部门", *numbers) for name, numbers in sorted(by_department.items())]
    return Figures(submitted, approved, sum(r.sent for r in outlets), sum(r.published for r in outlets),
                   outlets, levels, departments, sorted(active - with_drafts), reprinted)


def recount(session: Session, submission_id: int, zone: ZoneInfo, also: date | None = None) -> None:
    """Rewrite the cells one submission counts in: its outlet and author in the months it was sent and published
    (and the month of `also`, the day it was published on before a correction). One stopped before it was sent
    (gone: submitting.stop_unsent) counted nowhere."""
    ledger.lock_totals(session)
    found = session.execute(
        select(Submission.outlet_id, Draft.author_id, Submission.sent_at, Submission.published_on)
        .join(Draft, Draft.id == Submission.draft_id).where(Submission.id == submission_id)).one_or_none()
    if found is None:
        return
    outlet_id, author_id, sent_at, published_on = found
    days = [sent_at.astimezone(zone).date() if sent_at else None, published_on, also]
    for start in sorted({day.replace(day=1) for day in days if day is not None}):
        key, end = ledger.month_key(start), next_month(start)
        theirs = (select(func.count()).select_from(Submission).join(Draft, Draft.id == Submission.draft_id)
                  .where(Submission.outlet_id == outlet_id, Draft.author_id == author_id))
        # Two queries, each a range of one of the outlet's indexes (sent_at, published_on).
        sent, used = session.execute(theirs.add_columns(
            func.count().filter(Submission.state == SubmissionState.published)).where(
            Submission.sent_at >= instant(start, zone), Submission.sent_at < instant(end, zone))).one()
        published = session.scalar(theirs.where(Submission.published_on >= start, Submission.published_on < end))
        session.execute(delete(OutletMonth).where(OutletMonth.month == key, OutletMonth.outlet_id == outlet_id,
                                                  OutletMonth.author_id == author_id))
        if sent or published:
            session.execute(insert(OutletMonth).values(month=key, outlet_id=outlet_id, author_id=author_id,
                                                       sent=sent, published=published, used=used))


def rebuild(session: Session, zone: ZoneInfo) -> None:
    """Rewrite every cell from the submissions, a slice at a time."""
    ledger.lock_totals(session)
    session.execute(delete(OutletMonth))
    cells: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    last = session.scalar(select(func.max(Submission.id))) or 0
    for low in range(0, last + 1, _BATCH):
        for outlet_id, author_id, sent_at, published_on, state in session.execute(
                select(Submission.outlet_id, Draft.author_id, Submission.sent_at, Submission.published_on,
                       Submission.state).join(Draft, Draft.id == Submission.draft_id)
                .where(Submission.id >= low, Submission.id < low + _BATCH)):
            if sent_at is not None:
                cell = cells[ledger.month_key(sent_at.astimezone(zone).date()), outlet_id, author_id]
                cell[0] += 1
                cell[2] += int(state == SubmissionState.published)
            if published_on is not None:
                cells[ledger.month_key(published_on), outlet_id, author_id][1] += 1
    rows = [{"month": month, "outlet_id": outlet_id, "author_id": author_id, "sent": sent, "published": published,
             "used": used} for (month, outlet_id, author_id), (sent, published, used) in cells.items()]
    for first in range(0, len(rows), _BATCH):
        session.execute(insert(OutletMonth), rows[first:first + _BATCH])


def _totals(cells: Iterable[tuple[K, Sequence[int]]]) -> dict[K, tuple[int, int, int]]:
    """(sent, published, used) added up per key."""
    totals: dict[K, tuple[int, int, int]] = {}
    for key, (sent, published, used) in cells:
        before = totals.get(key, (0, 0, 0))
        totals[key] = (before[0] + sent, before[1] + published, before[2] + used)
    return totals


def instant(day: date, zone: ZoneInfo) -> datetime:
    """The start of a local day, as an instant."""
    return datetime.combine(day, time.min, zone)
