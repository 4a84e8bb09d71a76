"""Monthly figures (统计): drafts, approvals, submissions, publications and 上稿率 — all SQL aggregates."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bot.domain.errors import UsageError
from models import AuditEvent, Draft, Level, Member, Outlet, Submission, SubmissionState

K = TypeVar("K", bound=Hashable)

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_PERIOD = re.compile(r"(\d{4})(?:\s*[Qq]([1-4]))?")


def parse_month(text: str, today: date) -> tuple[date, date]:
    """`2026-05` (default: this month) → [first day, first day of next month)."""
    if not text:
        year, month = today.year, today.month
    else:
        match = _MONTH.fullmatch(text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise UsageError(f"月份应写成 2026-05 这样，不是「{text}」。")
        year, month = int(match.group(1)), int(match.group(2))
    start = date(year, month, 1)
    return start, date(year + month // 12, month % 12 + 1, 1)


def parse_period(text: str, today: date) -> tuple[date, date, str]:
    """`2026` or `2026Q3` (default: this year) → [start, end) and its name."""
    if not text:
        return date(today.year, 1, 1), date(today.year + 1, 1, 1), f"{today.year}年"
    match = _PERIOD.fullmatch(text.strip())
    if not match:
        raise UsageError(f"时间应写成 2026 或 2026Q3 这样，不是「{text}」。")
    year = int(match.group(1))
    if match.group(2) is None:
        return date(year, 1, 1), date(year + 1, 1, 1), f"{year}年"
    quarter = int(match.group(2))
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end, f"{year}年第{quarter}季度"


@dataclass(frozen=True)
class Row:
    name: str
    sent: int  # e-mailed this month
    published: int  # published this month (whenever sent)
    used: int  # of those sent this month, how many were published (so far)

    @property
    def rate(self) -> str:
        """上稿率: the share of this month's submissions that were published."""
        return f"{self.used / self.sent:.0%}" if self.sent else "—"


@dataclass(frozen=True)
class Month:
    start: date
    submitted: int
    approved: int
    sent: int
    published: int
    outlets: list[Row]
    levels: list[Row]
    departments: list[Row]
    silent_departments: list[str]  # 宣传无死角: departments with no draft this month


def month(session: Session, start: date, end: date, zone: ZoneInfo) -> Month:
    since, until = _instant(start, zone), _instant(end, zone)
    submitted = session.scalar(select(func.count()).select_from(Draft)
                               .where(Draft.created_at >= since, Draft.created_at < until)) or 0
    approved = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "approve", AuditEvent.at >= since, AuditEvent.at < until)) or 0
    sent_in = and_(Submission.sent_at >= since, Submission.sent_at < until)
    published_in = and_(Submission.published_on >= start, Submission.published_on < end)
    this_month = select(Submission.id).where(sent_in | published_in)  # the indexes on sent_at, published_on
    # One pass over the month's submissions, by outlet and author's department; the three views add it up.
    cells = session.execute(
        select(Outlet.id, Outlet.name, Outlet.level, Member.department, func.count().filter(sent_in),
               func.count().filter(published_in),
               func.count().filter(sent_in & (Submission.state == SubmissionState.published)))
        .select_from(Submission).join(Outlet, Outlet.id == Submission.outlet_id)
        .join(Draft, Draft.id == Submission.draft_id).join(Member, Member.id == Draft.author_id)
        .where(Submission.id.in_(this_month))
        .group_by(Outlet.id, Outlet.name, Outlet.level, Member.department)).all()
    by_outlet = _totals(((outlet_id, name), counts) for outlet_id, name, _, _, *counts in cells)
    by_level = _totals((level, counts) for _, _, level, _, *counts in cells)
    by_department = _totals((department, counts) for _, _, _, department, *counts in cells)
    active = set(session.scalars(select(Member.department).where(Member.active.is_(True), Member.department != "")))
    with_drafts = set(session.scalars(
        select(Member.department).join(Draft, Draft.author_id == Member.id)
        .where(Draft.created_at >= since, Draft.created_at < until)))
    outlets = [Row(name, *numbers) for (_, name), numbers in sorted(by_outlet.items())]
    levels = [Row(Level(level).label, *by_level[level]) for level in Level if level in by_level]  # 中央 first
    departments = [Row(name or "未填部门", *numbers) for name, numbers in sorted(by_department.items())]
    return Month(start, submitted, approved, sum(r.sent for r in outlets), sum(r.published for r in outlets),
                 outlets, levels, departments, sorted(active - with_drafts))


def _totals(cells: Iterable[tuple[K, Sequence[int]]]) -> dict[K, tuple[int, int, int]]:
    """(sent, published, used) added up per key."""
    totals: dict[K, tuple[int, int, int]] = {}
    for key, (sent, published, used) in cells:
        before = totals.get(key, (0, 0, 0))
        totals[key] = (before[0] + sent, before[1] + published, before[2] + used)
    return totals


def _instant(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone)
