"""Small helpers for Chinese replies: local times, durations, draft lines."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from models import Draft, DraftState


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%m-%d %H:%M")


def duration(start: datetime, now: datetime) -> str:
    minutes = max(0, int((now - start).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} 分钟"
    if minutes < 48 * 60:
        return f"{minutes // 60} 小时"
    return f"{minutes // (24 * 60)} 天"


def draft_line(draft: Draft) -> str:
    return f"{draft.number}《{draft.title}》{DraftState(draft.state).label}"
