"""Schedules as data: list and change them (a change takes effect at the next tick, no restart)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.domain import audit, workdays
from bot.domain.errors import NotFound, UsageError
from bot.text import to_half_width
from models import JobRun, Schedule


def trigger(rule: dict[str, str], zone: ZoneInfo) -> CronTrigger:
    """A schedule's rule (cron fields, local time) as APScheduler's trigger."""
    return CronTrigger(timezone=zone, **rule)


RULE_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")
# What each cron field takes, for a clear refusal (APScheduler's own message is English).
_RULE_HINTS = {"year": "年份，例如 2027", "month": "1–12", "day": "1–31，或 last（月末）、last fri（最后一个星期五）",
               "week": "1–53", "day_of_week": "mon–sun 或 0–6，例如 mon-fri", "hour": "0–23", "minute": "0–59",
               "second": "0–59"}
TITLES = {"monthly_report": "月报", "meeting": "宣传工作例会", "meeting_notice": "例会预告",
          "meeting_day_notice": "例会当天提醒", "study_reminder": "学习提醒", "theme_day_calls": "主题日征稿",
          "overdue_reminders": "催办", "training_reminder": "通讯员培训提醒", "year_end": "年终排行"}


def everything(session: Session) -> list[Schedule]:
    return list(session.scalars(select(Schedule).order_by(Schedule.id)))


def get(session: Session, schedule_id: str) -> Schedule:
    """A schedule by its id, by the title the listing shows beside it (「日程 停用 月报」) or by a short name."""
    by_title = {title: sid for sid, title in TITLES.items()} | _SHORT_NAMES
    schedule = session.get(Schedule, by_title.get(schedule_id, schedule_id))
    if schedule is None:
        known = "、".join(f"{s.id}（{TITLES[s.id]}）" if s.id in TITLES else s.id for s in everything(session))
        raise NotFound(f"没有日程「{schedule_id}」。可用：{known}")
    return schedule


_SHORT_NAMES = {"例会": "meeting", "主题日": "theme_day_calls", "培训提醒": "training_reminder"}  # as people say


def enable(session: Session, schedule_id: str, enabled: bool, now: datetime, actor: str | None) -> Schedule:
    schedule = get(session, schedule_id)
    schedule.enabled, schedule.updated_at = enabled, now
    audit.record(session, now, actor, "schedule.enable" if enabled else "schedule.disable", comment=schedule_id)
    return schedule


PARAM_MAX_CHARS = 200
MAX_GRACE_MINUTES = 31 * 24 * 60  # how late a missed firing may still run: a month's job, at most its month
MAX_DAYS_BEFORE = 30  # a theme-day call's outbox row keeps it from repeating; sent rows are kept 31 days
# The parameters each job understands; anything else is a typo, not a new setting.
PARAMS = {"meeting": ("place", "agenda"), "meeting_notice": ("days_before",),
          "theme_day_calls": ("days_before", "days")}


def change(session: Session, schedule_id: str, changes: dict[str, str], zone: ZoneInfo, now: datetime,
           actor: str | None) -> Schedule:
    """Rule fields (hour=9, day=last fri, …), `grace` in minutes, or the job's parameters (place=…, agenda=…,
    days_before=3, days=3-5 学雷锋日;4-22 世界地球日)."""
    schedule = get(session, schedule_id)
    rule, params = dict(schedule.rule), dict(schedule.params)
    known = PARAMS.get(schedule.job, ())
    for field, value in changes.items():
        value = value.strip()
        if field in (*RULE_FIELDS, "grace", "days_before"):  # ASCII fields: ｈｏｕｒ＝１６ means hour=16
            value = to_half_width(value)
        if field in RULE_FIELDS:
            rule[field] = value.replace("_", " ")  # typed without spaces: day=last_fri → "last fri"
        elif field == "grace":
            if not value.isdigit() or not 1 <= int(value) <= MAX_GRACE_MINUTES:  # a huge one fails every tick
                raise UsageError(f"grace 应为 1 到 {MAX_GRACE_MINUTES}（31 天）的分钟数，例如 grace=360")
            schedule.grace_minutes = int(value)
        elif field == "days_before" and field in known:
            if not value.isdigit() or int(value) > MAX_DAYS_BEFORE:
                raise UsageError(f"days_before 应为 0–{MAX_DAYS_BEFORE} 的天数，例如 days_before=3")
            params[field] = int(value)
        elif field == "days" and field in known:
            params[field] = _theme_days(value)
        elif field in known:
            if len(value) > PARAM_MAX_CHARS:  # it goes out to the group in every notice
                raise UsageError(f"{field} 最多 {PARAM_MAX_CHARS} 个字（现在 {len(value)} 个），请写得简短些。")
            params[field] = value
        else:
            allowed = "、".join((*RULE_FIELDS, "grace", *known))
            raise UsageError(f"日程 {schedule_id} 没有「{field}」。可改：{allowed}")
    try:
        upcoming = trigger(rule, zone).get_next_fire_time(None, now.astimezone(zone))  # valid, and ever fires?
    except (ValueError, TypeError) as exc:
        raise UsageError(_rule_refusal(rule, zone)) from exc
    if upcoming is None:
        past = trigger(rule, zone).get_next_fire_time(None, datetime(2000, 1, 1, tzinfo=zone))
        if past is not None:  # a date written in full, gone by
            raise UsageError(f"这个时间（{past:%Y-%m-%d %H:%M}）已过，没有修改。请写今后的日期，"
                             "或去掉 year（每年）、month（每月）。")
        raise UsageError("这个时间规则永远不会触发（比如 2 月 30 日），请检查。")
    if rule != schedule.rule:  # a new place or grace leaves a due firing due; catching up starts from a new rule
        _every_month_has_its_day(rule, zone, now)
        schedule.updated_at = now
    schedule.rule, schedule.params = rule, params
    audit.record(session, now, actor, "schedule.change", comment=f"{schedule_id}: {changes}")
    return schedule


def _every_month_has_its_day(rule: dict[str, str], zone: ZoneInfo, now: datetime) -> None:
    """A rule for every month must fire in every month: day 29–31 would leave the shorter months without, and
    day=1 with day_of_week=mon means the 1st *and* a Monday (both fields must match), a few months a year."""
    if any(rule.get(field, "*") != "*" for field in ("year", "month", "week")):
        return  # meant for some months
    if any(day.isdigit() and int(day) > 28 for day in re.split(r"[,\-/]", rule.get("day", ""))):
        raise UsageError(f"day={rule['day']} 并非每月都有（2月只有28或29天，4月、6月、9月、11月只有30天），"
                         "缺少该日的月份将不发送。月末发送请写 day=last；固定日期请在 1–28 之间选择。")
    rule_trigger, cursor, months = trigger(rule, zone), now.astimezone(zone), []
    horizon = cursor + timedelta(days=366)
    while (fire := rule_trigger.get_next_fire_time(None, cursor)) is not None and fire < horizon:
        months.append(fire.month)  # one firing a month is enough: on to the next month
        cursor = datetime(fire.year + fire.month // 12, fire.month % 12 + 1, 1, tzinfo=zone)
    if len(months) < 12:
        raise UsageError(f"这个时间规则接下来一年只在 {'、'.join(f'{m}月' for m in months)}触发："
                         "day 和 day_of_week 要同时满足。每月第一个星期一请写 day=1st_mon，"
                         "每月最后一个星期五请写 day=last_fri。")


def _rule_refusal(rule: dict[str, str], zone: ZoneInfo) -> str:
    """Which field of a rule APScheduler refused, and what it takes, in Chinese."""
    for field, value in rule.items():
        try:
            trigger({field: value}, zone)
        except (ValueError, TypeError):
            return f"时间规则「{field}={value}」无效：{field} 应为 {_RULE_HINTS.get(field, '有效的值')}。"
    return "时间规则无效，请检查各字段的组合。例如 day=1 hour=9 minute=0，或 day=last_fri"


# Each theme day begins at its date: 「3-5 学雷锋日，4-22 世界地球日」 as people list them, or 「3月5日 …」.
_THEME_DAY = re.compile(r"(\d{1,2})\s*[-月]\s*(\d{1,2})\s*日?\s*(.*)", re.S)
_BEFORE_A_DAY = re.compile(r"(?:\s*[;；,，、]\s*|\s+)(?=\d{1,2}\s*[-月]\s*\d)")
_A_DAY = re.compile(r"\d{1,2}\s*[-月]\s*\d")


def _theme_days(text: str) -> list[list[object]]:
    """`3-5 学雷锋日;4-22 世界地球日` → [[3, 5, "学雷锋日"], [4, 22, "世界地球日"]]: the whole list, replaced."""
    usage = "主题日应写成 月-日 名称，多个用分号或逗号分隔，例如 days=3-5 学雷锋日;4-22 世界地球日"
    days: list[list[object]] = []
    for part in filter(None, (p.strip(" ;；,，、") for p in _BEFORE_A_DAY.split(text.strip()))):
        found = _THEME_DAY.fullmatch(part)
        name = found[3].strip(" ;；,，、") if found else ""
        if found is None or not name or _A_DAY.search(name):
            raise UsageError(f"{usage}（不是「{part}」）")
        month, day = int(found[1]), int(found[2])
        try:
            date(2000, month, day)  # a leap year: 2-29 is a day
        except ValueError:
            raise UsageError(f"「{month}-{day}」不是一年中的日子。{usage}") from None
        days.append([month, day, name])
    if not days:
        raise UsageError(f"{usage}。要停止主题日征稿，请发送「日程 停用 theme_day_calls」。")
    return days


def describe_params(schedule: Schedule) -> str:
    """A schedule's parameters as 日程 设置 takes them, so an admin can copy one and change it."""
    def shown(value: object) -> str:
        if isinstance(value, list):
            return ";".join(f"{month}-{day} {name}" for month, day, name in value)
        return str(value)
    return " ".join(f"{name}={shown(value)}" for name, value in schedule.params.items())


def skipped_this_month(before: dict[str, str], schedule: Schedule, zone: ZoneInfo, now: datetime) -> datetime | None:
    """This month's firing a change of rule left behind: the old rule had it still ahead, the new rule's is gone
    by (日程 设置 day=2 on the 3rd). A new rule catches up on nothing before it: the month goes without."""
    local = now.astimezone(zone)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    ahead = trigger(before, zone).get_next_fire_time(None, local)
    gone = trigger(schedule.rule, zone).get_next_fire_time(None, start)
    upcoming = next_fire(schedule, now, zone)
    if ahead is None or gone is None or (ahead.year, ahead.month) != (local.year, local.month) or gone >= local:
        return None
    return gone if upcoming is None or (upcoming.year, upcoming.month) != (local.year, local.month) else None


def next_fire(schedule: Schedule, now: datetime, zone: ZoneInfo) -> datetime | None:
    return trigger(schedule.rule, zone).get_next_fire_time(None, now.astimezone(zone)) if schedule.enabled else None


ON_WORKING_DAYS = frozenset({"overdue_reminders"})  # jobs that pass over the days off themselves (bot.jobs)


def next_run(session: Session, schedule: Schedule, now: datetime, zone: ZoneInfo) -> datetime | None:
    """When the schedule next acts, as its listing shows it: past the office's days off for a job that skips
    them (催办 fires daily and chases nobody on a Sunday or in 国庆)."""
    upcoming = next_fire(schedule, now, zone)
    if upcoming is None or schedule.job not in ON_WORKING_DAYS:
        return upcoming
    days = workdays.between(session, upcoming.date(), upcoming.date() + timedelta(days=60))
    rule = trigger(schedule.rule, zone)
    while upcoming is not None and not days.working(upcoming.date()):
        upcoming = rule.get_next_fire_time(upcoming, upcoming + timedelta(seconds=1))
    return upcoming


def describe_rule(rule: dict[str, str]) -> str:
    return " ".join(f"{field}={rule[field]}" for field in RULE_FIELDS if field in rule)


def runs(session: Session, limit: int = 200) -> list[JobRun]:
    return list(session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)))


def hold(session: Session, *where: ColumnElement[bool], share: bool) -> None:
    """Lock the schedules' rows until the transaction ends: a job and an admin's change to what it reads take
    turns (on PostgreSQL; SQLite's one writer does so anyway)."""
    session.execute(select(Schedule.id).where(*where).with_for_update(read=share))
