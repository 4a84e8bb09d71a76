"""The month's study items (每月学习制度): set by an admin, posted to the group by the study reminder."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.domain import audit, schedules
from bot.domain.errors import UsageError
from models import JobRun, Schedule, StudyItem


def items(session: Session, month: str) -> str | None:
    item = session.get(StudyItem, month)
    return item.text if item else None


MAX_CHARS = 500


def reminder_past(session: Session, now: datetime, zone: ZoneInfo) -> bool:
    """Whether this month's study reminder is past: it fired, or its day under today's rule went by without it
    (moved to a day gone by). Items set now go to the group at once."""
    local = now.astimezone(zone)
    if session.scalar(select(JobRun.id).join(Schedule, Schedule.id == JobRun.schedule_id).where(
            Schedule.job == "study_reminder", JobRun.period.like(f"{local:%Y-%m}-%")).limit(1)) is not None:
        return True
    schedule = session.scalar(select(Schedule).where(Schedule.job == "study_reminder", Schedule.enabled.is_(True)))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    day = schedules.trigger(schedule.rule, zone).get_next_fire_time(None, start) if schedule is not None else None
    return day is not None and day < local


def set_items(session: Session, month: str, text: str, now: datetime, actor: str | None,
                    zone: ZoneInfo) -> tuple[str | None, str]:
    """Set a month's study items. Returns the items they replaced, if any (shown, and kept in the audit log), and
    what went to the group now, in words for the admin (empty for nothing): this month's items set after the
    reminder day (the reminder asked the admins for them, or was missed), or changed after the group had them."""
    text = text.strip()
    if not text:
        raise UsageError("请写本月学习内容，例如：学习 设置 《习近平谈治国理政》第二卷第三章")
    if len(text) > MAX_CHARS:  # the reminder takes them to the group in one message
        raise UsageError(f"学习内容最多 {MAX_CHARS} 个字（现在 {len(text)} 个）。请列出篇目，全文可发到群里。")
    item = session.get(StudyItem, month)
    earlier = item.text if item else None
    if item is None:
        session.add(StudyItem(month=month, text=text, updated_at=now))
    else:
        item.text, item.updated_at = text, now
    audit.record(session, now, actor, "study.set",
                 comment=f"{month}: {text[:100]}" + (f"（原内容：{earlier[:400]}）" if earlier else ""))
    schedules.hold(session, Schedule.job == "study_reminder", share=False)  # a reminder running now ends first
    late = month == f"{now.astimezone(zone):%Y-%m}" and reminder_past(session, now, zone)
    told = late and bool(outbox.group_posts(session, [f"study:{month}"]))
    if not late or (told and text == earlier):
        return earlier, ""
    post(session, month, text, now, corrected=told)
    return earlier, ("已把更正后的学习内容发到工作群。" if told else "本月学习提醒日已过，已把学习内容发到工作群。")


def post(session: Session, month: str, items: str, now: datetime, corrected: bool = False) -> int:
    """The month's study reminder in the group, once a month whenever it is posted; `corrected`, items changed
    after it (each change once)."""
    lines = [f"**{int(month[5:])}月学习提醒{'（更正）' if corrected else ''}**", items, "发送「学习」随时查看。"]
    return outbox.to_group(session, f"study:{month}" + (f":corrected:{now.isoformat()}" if corrected else ""),
                           lines, now)


def of_year(session: Session, year: int) -> list[StudyItem]:
    """The months of `year` that had study items set, in order."""
    return list(session.scalars(select(StudyItem).where(StudyItem.month.like(f"{year}-%"))
                                .order_by(StudyItem.month)))
