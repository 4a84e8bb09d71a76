"""Schedules as data: list and change them (a change takes effect at the next tick, no restart)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.errors import NotFound, UsageError
from bot.domain.meetings import trigger
from models import JobRun, Schedule

RULE_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")
TITLES = {"monthly_report": "月报", "meeting": "宣传工作例会", "meeting_notice": "例会预告",
          "meeting_day_notice": "例会当天提醒", "study_reminder": "学习提醒", "theme_day_calls": "主题日征稿",
          "overdue_reminders": "催办", "year_end": "年终排行"}


def everything(session: Session) -> list[Schedule]:
    return list(session.scalars(select(Schedule).order_by(Schedule.id)))


def get(session: Session, schedule_id: str) -> Schedule:
    schedule = session.get(Schedule, schedule_id)
    if schedule is None:
        raise NotFound(f"没有日程「{schedule_id}」。可用：{'、'.join(s.id for s in everything(session))}")
    return schedule


def enable(session: Session, schedule_id: str, enabled: bool, now: datetime, actor: str | None) -> Schedule:
    schedule = get(session, schedule_id)
    schedule.enabled, schedule.updated_at = enabled, now
    audit.record(session, now, actor, "schedule.enable" if enabled else "schedule.disable", comment=schedule_id)
    return schedule


def change(session: Session, schedule_id: str, changes: dict[str, str], zone: ZoneInfo, now: datetime,
           actor: str | None) -> Schedule:
    """Rule fields (hour=9, day=last fri, …), `grace` in minutes, or parameters (place=…, agenda=…)."""
    schedule = get(session, schedule_id)
    rule, params = dict(schedule.rule), dict(schedule.params)
    for field, value in changes.items():
        if field in RULE_FIELDS:
            rule[field] = value.replace("_", " ")  # typed without spaces: day=last_fri → "last fri"
        elif field == "grace":
            if not value.isdigit():
                raise UsageError("grace 应为分钟数，例如 grace=360")
            schedule.grace_minutes = int(value)
        elif field in ("days", "days_before") or field.startswith("_"):
            raise UsageError(f"「{field}」不能这样修改。")
        else:
            params[field] = value
    try:
        trigger(rule, zone)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"时间规则无效：{exc}。例如 day=1 hour=9 minute=0，或 day=last fri") from exc
    schedule.rule, schedule.params, schedule.updated_at = rule, params, now
    audit.record(session, now, actor, "schedule.change", comment=f"{schedule_id}: {changes}")
    return schedule


def next_fire(schedule: Schedule, now: datetime, zone: ZoneInfo) -> datetime | None:
    return trigger(schedule.rule, zone).get_next_fire_time(None, now.astimezone(zone)) if schedule.enabled else None


def describe_rule(rule: dict[str, str]) -> str:
    return " ".join(f"{field}={rule[field]}" for field in RULE_FIELDS if field in rule)


def runs(session: Session, limit: int = 200) -> list[JobRun]:
    return list(session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)))
