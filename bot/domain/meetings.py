"""The monthly publicity meeting (宣传工作例会) and its leads (线索); the study items are bot.domain.studying."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.domain import schedules, workdays
from bot.domain.errors import UsageError
from bot.domain.periods import next_month
from bot.text import day_name
from models import Draft, JobRun, Lead, Member, Outlet, Schedule, Submission, SubmissionState

MEETING = "meeting"  # the schedule whose rule is the meeting itself (default: last Friday 15:00)
LEAD_MAX_CHARS = 500
PUBLICATIONS_SHOWN = 10  # 用稿动态 in a notice: the newest ones, and how many in all


def next_meeting(session: Session, after: datetime, zone: ZoneInfo,
                 hold: bool = False) -> tuple[datetime, Schedule] | None:
    """The first meeting at or after `after` (local time), and its schedule (place, agenda). With `hold` (the
    notice), 日程 设置/停用 of the meeting waits for the transaction to end, and so sees the notice."""
    if hold:
        schedules.hold(session, Schedule.id == MEETING, share=True)
    schedule = session.get(Schedule, MEETING, populate_existing=hold)
    if schedule is None:
        return None
    when = schedules.next_fire(schedule, after, zone)
    if when is not None and held_in_month(session, when, zone):  # 每月召开一次: that month's is over
        when = schedules.next_fire(schedule, datetime.combine(next_month(when.astimezone(zone).date()), time(),
                                                              zone), zone)
    return (when, schedule) if when is not None else None


def next_run(session: Session, schedule: Schedule, now: datetime, zone: ZoneInfo) -> datetime | None:
    """When a schedule next acts, as 日程 lists it: the meeting's next one that takes place."""
    if schedule.id != MEETING:
        return schedules.next_run(session, schedule, now, zone)
    found = next_meeting(session, now, zone)
    return found[0] if found is not None else None


def change_schedule(session: Session, schedule_id: str, changes: dict[str, str], zone: ZoneInfo, now: datetime,
                    actor: str | None) -> tuple[Schedule, str]:
    """日程 设置 (schedules.change). A meeting the group was told of, moved or re-placed, is announced again with
    its new time and place: what the group was told, in words for the admin, beside the schedule ("" for
    nothing). The notices of the new day follow as ever. A new rule's day later in a month whose meeting was
    held calls no second one: the admin is told."""
    found = next_meeting(session, now, zone)
    before = (found[0], found[1].params.get("place")) if found is not None else None
    schedule = schedules.change(session, schedule_id, changes, zone, now, actor)
    if schedule.id != MEETING:
        return schedule, ""
    once, again = "", schedules.next_fire(schedule, now, zone)
    if again is not None and (held := held_in_month(session, again, zone)) is not None:
        once = f"本月例会已于{day_name(held)}举行（每月一次），按新规则的{day_name(again)}不再举行，也不发例会通知。"
    if before is None or not announced(session, before[0]):
        return schedule, once
    after = next_meeting(session, now, zone)
    if after is None or (after[0], schedule.params.get("place")) == before:
        return schedule, once
    old = before[0].astimezone(zone)
    lines = ["**例会变更**", f"原定{day_name(old)} {old:%H:%M}的宣传工作例会改为：",
             *meeting_lines(session, after[0], schedule, zone)[:3]]
    outbox.to_group(session, f"meeting-change:{after[0].astimezone(zone):%Y-%m-%d}:{now.isoformat()}", lines, now)
    return schedule, "已通知的例会时间或地点有变，已在工作群发出例会变更。" + once


def enable_schedule(session: Session, schedule_id: str, enabled: bool, zone: ZoneInfo, now: datetime,
                    actor: str | None) -> tuple[Schedule, str]:
    """日程 启用/停用 (schedules.enable). A meeting the group was told of, stopped, is called off in the group;
    one called off, started again, is on again there: what the group was told, in words, beside the schedule.
    Stopped, the meeting of every later month is too: the admin is told so, and how to resume."""
    found = next_meeting(session, now, zone)  # none while stopped
    schedule = schedules.enable(session, schedule_id, enabled, now, actor)
    if schedule.id != MEETING:
        return schedule, ""
    if not enabled and found is not None:  # the only way to call one meeting off stops every later one too
        when = found[0].astimezone(zone)
        later = (f"下月起的例会和例会通知也会一并停止。如只取消这一次，请在{day_name(when)} {when:%H:%M}以后"
                 "发送「日程 启用 例会」，下月例会照常。")
        if not announced(session, found[0]):
            return schedule, later
        key, told, lines = "meeting-cancelled", f"已通知的例会取消，已在工作群发出。\n{later}", [
            "**例会取消**", f"原定{day_name(when)} {when:%H:%M}的宣传工作例会取消，时间另行通知。"]
    elif enabled and (found := next_meeting(session, now, zone)) is not None and _called_off(session, found[0]):
        when = found[0].astimezone(zone)
        key, told, lines = "meeting-resumed", "已在工作群通知例会照常举行。", [
            "**例会照常**", f"{day_name(when)} {when:%H:%M}的宣传工作例会照常举行：",
            *meeting_lines(session, found[0], schedule, zone)[:3]]
    else:
        return schedule, ""
    outbox.to_group(session, f"{key}:{when:%Y-%m-%d}:{now.isoformat()}", lines, now)
    return schedule, told


def _called_off(session: Session, when: datetime) -> bool:
    """Whether the group's last word on the meeting on `when`'s day is its 例会取消."""
    return (_latest_post(session, when, "meeting-cancelled", "meeting-resumed") or "").startswith("meeting-cancelled")


def announced(session: Session, when: datetime, advance_only: bool = False) -> bool:
    """Whether the group was told of the meeting on `when`'s day: a notice (jobs.meeting_notice's keys
    `meeting:day:N`, N days before) or a change that moved it there; with `advance_only`, a notice days before."""
    kinds = ("meeting",) if advance_only else ("meeting", "meeting-change")
    keys = outbox.group_posts(session, [f"{kind}:{when:%Y-%m-%d}:" for kind in kinds])
    return any(not (advance_only and key.endswith(":0")) for key in keys)


def _latest_post(session: Session, when: datetime, *kinds: str) -> str | None:
    """The key of the group's newest post of `kinds` about the meeting on `when`'s day (keys `kind:day:…`)."""
    keys = outbox.group_posts(session, [f"{kind}:{when:%Y-%m-%d}:" for kind in kinds])
    return keys[0] if keys else None


def last_meeting(session: Session, zone: ZoneInfo, before: datetime | None = None) -> datetime | None:
    """When the last meeting (before `before`) was held, as the calendar recorded it: its month's first firing not
    on a day off (每月召开一次), whatever the outcome — the bot down at the hour, the meeting still took place."""
    query = select(JobRun.period).where(JobRun.schedule_id == MEETING)
    if before is not None:
        query = query.where(JobRun.period < f"{before.astimezone(zone):%Y-%m-%dT%H:%M:%S}")
    held: datetime | None = None
    for period in session.scalars(query.order_by(JobRun.period.desc())).all():
        fired = datetime.fromisoformat(period).replace(tzinfo=zone)
        if held is not None and (fired.year, fired.month) != (held.year, held.month):
            break
        if not workdays.holiday(session, fired.date()):
            held = fired
    return held


def held_in_month(session: Session, when: datetime, zone: ZoneInfo) -> datetime | None:
    """The meeting held earlier in `when`'s month, if any: 每月召开一次, so a firing after it calls no meeting."""
    last, local = last_meeting(session, zone, before=when), when.astimezone(zone)
    return last if last is not None and (last.year, last.month) == (local.year, local.month) else None


def leads_since(session: Session, since: datetime | None) -> list[tuple[Lead, str]]:
    """The leads gathered since `since` (the last meeting; None: ever), with their authors' names."""
    query = select(Lead, Member.name).join(Member, Member.userid == Lead.userid, isouter=True).order_by(Lead.id)
    if since is not None:
        query = query.where(Lead.created_at > since)
    return [(lead, name or lead.userid) for lead, name in session.execute(query)]


def publications_since(session: Session, day: date) -> list[tuple[str, str, str]]:
    """(title, outlet, author) of the publications recorded for `day` or later, newest first: 用稿动态."""
    rows = session.execute(
        select(Draft.title, Outlet.name, Member.name)
        .join(Submission.draft).join(Submission.outlet).join(Draft.author)
        .where(Submission.state == SubmissionState.published, Submission.published_on >= day)
        .order_by(Submission.published_on.desc(), Submission.id.desc()))
    return [(title, outlet, author) for title, outlet, author in rows]


def meetings_held(session: Session, start: date, end: date) -> int:
    """How many meetings were held in [start, end) by the calendar (its firings of the meeting itself, whether the
    bot was up at the hour or not): one a month at most, none on a day off, as `last_meeting` counts them."""
    periods = session.scalars(select(JobRun.period).where(
        JobRun.schedule_id == MEETING, JobRun.period >= start.isoformat(), JobRun.period < end.isoformat())).all()
    off = workdays.between(session, start, end).off
    return len({period[:7] for period in periods if date.fromisoformat(period[:10]) not in off})


def lead_count(session: Session, since: datetime, until: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Lead).where(Lead.created_at >= since,
                                                                       Lead.created_at < until)) or 0


def add_lead(session: Session, member: Member, text: str, now: datetime) -> Lead:
    text = text.strip()
    if not text:
        raise UsageError("请在「线索」后写线索内容，例如：线索 坪石镇垦造水田项目下月验收")
    if len(text) > LEAD_MAX_CHARS:
        raise UsageError(f"线索最多 {LEAD_MAX_CHARS} 字，请精简后再发。")
    # Unsure whether it arrived, a member sends it again: the meeting would list it twice.
    earlier = session.scalar(select(Lead.created_at).where(Lead.userid == member.userid, Lead.text == text,
                                                           Lead.created_at > now - LEAD_REPEAT_WINDOW).limit(1))
    if earlier is not None:
        raise UsageError("这条线索已经记录过了，例会通知和「例会」里会列出，无需重发。")
    lead = Lead(userid=member.userid, text=text, created_at=now)
    session.add(lead)
    return lead


LEAD_REPEAT_WINDOW = timedelta(days=31)  # a month's meeting


def meeting_lines(session: Session, when: datetime, schedule: Schedule, zone: ZoneInfo) -> list[str]:
    """Time, place, agenda and the leads so far: the body of a notice and of 例会."""
    local = when.astimezone(zone)
    weekday = workdays.WEEKDAY_NAMES[local.weekday()]
    off = workdays.holiday(session, local.date())
    lines = [f"时间：{local.year}年{day_name(local)}（星期{weekday}）{local:%H:%M}"
             + (f"（这一天放假：{off}，例会时间请以管理员通知为准）" if off else ""),
             f"地点：{schedule.params.get('place') or '待定'}",
             f"议程：{schedule.params.get('agenda') or '待定'}"]
    last = last_meeting(session, zone)
    leads = leads_since(session, last)
    lines.append(f"已收集线索 {len(leads)} 条" + ("：" if leads else "（发送「线索 内容」提交）"))
    # One item a lead, its lines joined: a lead's own lines would read as the notice's (时间：…, 地点：…).
    lines += [f"· {' '.join(lead.text.split())}（{name}）" for lead, name in leads]
    # 交流讨论最新的新闻线索和用稿动态: what was published since the last meeting's day (publications carry a
    # date only, so that day's count at both meetings), or in the month before the first meeting.
    published = publications_since(session, (last or local - timedelta(days=31)).date())
    since = f"{day_name(last)}例会以来" if last else "近一个月"
    lines.append(f"用稿动态：{since}刊发 {len(published)} 篇次" + ("：" if published else "。"))  # as 统计 counts
    lines += [f"· 《{title}》{outlet}（{author}）" for title, outlet, author in published[:PUBLICATIONS_SHOWN]]
    if len(published) > PUBLICATIONS_SHOWN:
        lines.append(f"· ……另有 {len(published) - PUBLICATIONS_SHOWN} 篇，发送「统计」查看本月数字")
    return lines


def days_until(when: datetime, now: datetime, zone: ZoneInfo) -> int:
    return (when.astimezone(zone).date() - now.astimezone(zone).date()).days

