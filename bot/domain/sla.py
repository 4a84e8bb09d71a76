"""Deadlines (催办): how long the current holder has had a draft, and which drafts are overdue.

The editor's clock runs on working days only (Monday–Friday, less the office's holidays, plus the weekend
days worked: `workdays`, in the office's zone); the approver's clock runs on calendar hours.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.domain import members, review, workdays
from bot.domain.drafts import editor_or_admins
from bot.domain.workdays import MONDAY_TO_FRIDAY, Workdays
from models import Draft, DraftState


def working_hours(start: datetime, end: datetime, zone: ZoneInfo, days: Workdays = MONDAY_TO_FRIDAY) -> float:
    """Hours between `start` and `end` that fall on working days in `zone`."""
    seconds = 0.0
    cursor, end_local = start.astimezone(zone), end.astimezone(zone)
    while cursor < end_local:
        midnight = datetime.combine(cursor.date() + timedelta(days=1), datetime.min.time(), zone)
        segment_end = min(midnight, end_local)
        if days.working(cursor.date()):
            seconds += (segment_end.astimezone(UTC) - cursor.astimezone(UTC)).total_seconds()
        cursor = segment_end
    return seconds / 3600


def waited_hours(draft: Draft, now: datetime, settings: Settings, days: Workdays = MONDAY_TO_FRIDAY) -> float | None:
    """Hours counted against the holder's deadline, or None when no deadline applies."""
    if draft.state == DraftState.editing:
        return working_hours(draft.state_since, now, settings.zone, days)
    if draft.state == DraftState.pending:
        return (now - draft.state_since).total_seconds() / 3600
    return None


def limit_hours(draft: Draft, settings: Settings) -> float | None:
    return {DraftState.editing: settings.edit_sla_hours,
            DraftState.pending: settings.approve_sla_hours}.get(DraftState(draft.state))


@dataclass(frozen=True)
class Late:
    draft: Draft
    waited_hours: float
    limit_hours: float

    @property
    def waited(self) -> str:
        """「24 小时 20 分钟」: past the limit by minutes, a wait rounded to whole hours would read as the limit."""
        hours, minutes = divmod(math.ceil(round(self.waited_hours * 60, 6)), 60)
        return f"{hours} 小时" + (f" {minutes} 分钟" if minutes else "")


def past_deadline(session: Session, drafts: Iterable[Draft], now: datetime, settings: Settings) -> list[Late]:
    """Those of `drafts` past their holder's deadline, in order. The office's days are read once, and only when
    an editor's draft has been held longer than its limit in calendar hours (working hours are never more)."""
    held_long = [(draft, limit) for draft in drafts if (limit := limit_hours(draft, settings)) is not None
                 and now - draft.state_since > timedelta(hours=limit)]
    editing = [draft.state_since for draft, _ in held_long if draft.state == DraftState.editing]
    zone = settings.zone
    days = (workdays.between(session, min(editing).astimezone(zone).date(), now.astimezone(zone).date())
            if editing else MONDAY_TO_FRIDAY)
    late = []
    for draft, limit in held_long:
        waited = waited_hours(draft, now, settings, days) or 0.0
        if waited > limit:
            late.append(Late(draft, waited, limit))
    return late


def is_overdue(session: Session, draft: Draft, now: datetime, settings: Settings) -> bool:
    return bool(past_deadline(session, [draft], now, settings))


@dataclass(frozen=True)
class Overdue(Late):
    holders: list[str]  # userids to remind


def overdue(session: Session, now: datetime, settings: Settings) -> list[Overdue]:
    """Every draft past its holder's deadline, oldest first, with whom to remind."""
    # Working hours never exceed calendar hours, so the calendar bound safely narrows the query.
    editing = (Draft.state == DraftState.editing) & (
        Draft.state_since < now - timedelta(hours=settings.edit_sla_hours))
    pending = (Draft.state == DraftState.pending) & (
        Draft.state_since < now - timedelta(hours=settings.approve_sla_hours))
    held_long = session.scalars(select(Draft).where(or_(editing, pending)).order_by(Draft.state_since))
    return [Overdue(late.draft, late.waited_hours, late.limit_hours, _holders(session, late.draft))
            for late in past_deadline(session, held_long, now, settings)]


def _holders(session: Session, draft: Draft) -> list[str]:
    if draft.state == DraftState.editing:
        return editor_or_admins(session, draft)
    approvers = [a.userid for a in review.eligible_approvers(session, draft)]
    return approvers or members.admin_userids(session)
