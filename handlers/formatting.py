"""Small helpers for Chinese replies: local times, durations, draft lines."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from models import Draft, DraftState


def local_time(moment: datetime, zone: ZoneInfo, now: datetime | None = None) -> str:
    """「05-12 10:00」; with the year when it is not `now`'s (a rule's next firing may be years away)."""
    local = moment.astimezone(zone)
    shown_year = now is not None and local.year != now.astimezone(zone).year
    return local.strftime("%Y-%m-%d %H:%M" if shown_year else "%m-%d %H:%M")


def duration(start: datetime, now: datetime) -> str:
    minutes = max(0, int((now - start).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} 分钟"
    if minutes < 48 * 60:
        return f"{minutes // 60} 小时"
    return f"{minutes // (24 * 60)} 天"


def draft_line(draft: Draft) -> str:
    return f"{draft.number}《{draft.title}》{DraftState(draft.state).label}"
