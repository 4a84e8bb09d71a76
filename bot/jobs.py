"""What the calendar's jobs do. Each returns how many messages it queued; every message's dedupe key
carries the period, so a job that somehow ran twice for one period would still send once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.config import Settings
from bot.domain import (
    meetings,
    members,
    periods,
    review,
    rewards,
    schedules,
    sla,
    stats,
    studying,
    topics,
    trainings,
    workdays,
)
from bot.domain.schedules import TITLES
from bot.text import day_name, month_name
from models import DraftState, OutboxMessage, Role, Schedule


@dataclass(frozen=True)
class JobContext:
    session: Session
    settings: Settings
    schedule: Schedule
    fire: datetime  # the firing's time, in the office's zone
    now: datetime

    def to_group(self, key: str, lines: list[str], more: str = "", parts: int = 1) -> int:
        return outbox.to_group(self.session, key, lines, self.now, more, parts)


def monthly_report(ctx: JobContext) -> int:
    """The 1st: last month's figures and the departments with no draft (宣传无死角). Fired in the second half of
    a month (日程 设置 monthly_report day=last), that month's so far."""
    day = ctx.fire.date()
    start = periods.reported_month(day)
    end = (start + timedelta(days=32)).replace(day=1)
    figures = stats.figures(ctx.session, start, end, ctx.settings.zone)
    so_far = f"（截至{day.month}月{day.day}日）" if day < end else ""
    lines = [f"**{month_name(start)}宣传工作月报{so_far}**", figures.headline]
    lines += [f"> {row.name}：投递 {row.sent}，刊发 {row.published}，上稿率 {row.rate}" for row in figures.outlets]
    if figures.silent_departments:
        lines.append(f"{start.month}月没有投稿的部门：{'、'.join(figures.silent_departments)}"
                     "——宣传无死角，请各部门通讯员积极供稿。")
    # A month so far is not the whole month: a report of it on the 1st (the rule set back) is news.
    return ctx.to_group(f"report:{start:%Y-%m}{':so-far' if so_far else ''}", lines,
                        f"完整数据：发送「统计 {start:%Y-%m}」")


class Skipped(Exception):
    """A firing the job passes over: recorded as skipped, the message as its reason."""


def meeting(ctx: JobContext) -> int:
    """The meeting itself: its firing marks it held, so leads after it count for the next one. On a day off the
    group was not called to it; a month's second firing (its day moved after it was held) calls no meeting."""
    if off := workdays.holiday(ctx.session, ctx.fire.date()):
        raise Skipped(f"a day off ({off}): no meeting was called")
    if held := meetings.held_in_month(ctx.session, ctx.fire, ctx.settings.zone):
        raise Skipped(f"this month's meeting was held on {held:%Y-%m-%d %H:%M}")
    return 0


def meeting_notice(ctx: JobContext) -> int:
    """`days_before` the meeting (and on the day): time, place, agenda and the leads gathered. An advance notice
    missed (the bot down that morning) or not yet due when the meeting moved closer goes at the next firing before
    the day, unless the group was told of that day already."""
    found = meetings.next_meeting(ctx.session, ctx.fire.replace(hour=0, minute=0), ctx.settings.zone, hold=True)
    days_before = int(ctx.schedule.params.get("days_before", 0))
    if found is None or found[0] <= ctx.now:  # over already (a notice set after the meeting's hour, or sent late)
        return 0
    when, schedule = found
    due, left = (meetings.days_until(when, at, ctx.settings.zone) for at in (ctx.fire, ctx.now))
    if days_before == 0:
        now_due = due == 0
    else:  # on its day, or late until the day before; not after an earlier advance notice, nor late after 例会变更
        now_due = left > 0 and due <= days_before and not meetings.announced(
            ctx.session, when, advance_only=due == days_before)
    if not now_due:
        return 0
    at = when.astimezone(ctx.settings.zone)
    if off := workdays.holiday(ctx.session, at.date()):  # nobody comes on a holiday: the admins decide
        local = f"{at.year}年{day_name(at.date())}{at:%H:%M}"
        outbox.notify(ctx.session, members.admin_userids(ctx.session),
                      f"{local}的宣传工作例会正逢放假（{off}），工作群没有收到例会通知。请另定时间后在群里通知，"
                      f"或发送「日程 设置 meeting …」调整例会日程。", f"meeting-off:{when:%Y-%m-%d}", ctx.now)
        return 0
    title = "今天" if left == 0 else f"{left} 天后"  # from when it is posted, late or not
    details = meetings.meeting_lines(ctx.session, when, schedule, ctx.settings.zone)
    lines = [f"**宣传工作例会通知**（{title}）", *details]
    return ctx.to_group(f"meeting:{when:%Y-%m-%d}:{days_before}", lines, "……更多线索：发送「例会」查看")


def study_reminder(ctx: JobContext) -> int:
    """每月学习制度: this month's items to the group; with none set, the admins are asked for them instead (the
    reminder goes out once they are: `studying.set_items`)."""
    month = f"{ctx.fire:%Y-%m}"
    schedules.hold(ctx.session, Schedule.id == ctx.schedule.id, share=True)  # 学习 设置 now waits for it
    items = studying.items(ctx.session, month)
    if items:
        return studying.post(ctx.session, month, items, ctx.now)
    admins = members.admin_userids(ctx.session)
    outbox.notify(ctx.session, admins, f"{day_name(ctx.fire.date())}为本月学习提醒日，但本月学习内容尚未设置，"
                  "工作群尚未收到提醒。请发送「学习 设置 内容」，设置后将立即发送到工作群。",
                  f"study-missing:{month}", ctx.now)
    return len(admins)


def theme_day_calls(ctx: JobContext) -> int:
    """A call for drafts `days_before` each theme day (学雷锋日, 世界地球日, 全国土地日, …); missed that day (the bot
    was down, or the day was added later), on the next run before the theme day."""
    before, today = timedelta(days=int(ctx.schedule.params.get("days_before", 10))), ctx.fire.date()
    running_since = ctx.schedule.updated_at.astimezone(ctx.settings.zone).date()  # no call due before it ran
    sent = 0
    for month, day, name in ctx.schedule.params.get("days", []):
        target = _next_date(today, int(month), int(day))
        if target is not None and running_since <= target - before <= today:
            # 安全生产月 is all June: 「6月是安全生产月」; a day is 「3月5日是学雷锋日」.
            when = f"{target.month}月是" if str(name).endswith("月") else f"{day_name(target)}是"
            series = topics.of_theme_day(ctx.session, str(name), ctx.now)
            sent += ctx.to_group(f"theme:{target.isoformat()}:{name}", [
                f"**{name}征稿**：{when}{name}，请各部门围绕主题策划宣传活动，",
                "活动稿件请及时在与机器人的单聊中发送「投稿 标题」，换行写正文。",
                *([f"投稿后发送「专题 #编号 {series.name}」归入主题宣传，年终统计。"] if series else [])])
    return sent


def _next_date(today: date, month: int, day: int) -> date | None:
    """The coming month-day, today included (2-29: only in a leap year)."""
    for year in (today.year, today.year + 1):
        try:
            if (found := date(year, month, day)) >= today:
                return found
        except ValueError:
            continue
    return None


def overdue_reminders(ctx: JobContext) -> int:
    """催办: each holder of an overdue draft, 1:1, on working days; an admin is copied from the second reminder on."""
    today = ctx.fire.date()
    if not workdays.between(ctx.session, today, today).working(today):  # 国庆, or a Sunday: no one is chased
        return 0
    admins = members.admin_userids(ctx.session)
    approvers = {member.userid for member in members.with_role(ctx.session, Role.approver)}
    sent = 0
    for late in sla.overdue(ctx.session, ctx.now, ctx.settings):
        if not late.holders:  # nobody to remind: no approver, no admin
            continue
        draft = late.draft
        holding = f"remind:{draft.id}:{draft.state}:{int(draft.state_since.timestamp())}"
        day = f"{ctx.fire:%Y-%m-%d}"  # one reminder per holding and day, however the rule is moved
        # The days reminded before, whoever held the draft then (an approver away may have been taken off).
        earlier_days = select(func.count(func.distinct(func.substr(OutboxMessage.dedupe_key, 1,
                                                                   len(f"{holding}:{day}"))))).where(
            OutboxMessage.dedupe_key.like(f"{holding}:%"), ~OutboxMessage.dedupe_key.like(f"{holding}:{day}:%"))
        earlier = ctx.session.scalar(earlier_days) or 0
        waiting = (f"催办：稿件 {draft.number}《{draft.title}》已等待 {late.waited}"
                   f"（时限 {late.limit_hours:g} 小时），请尽快处理：")
        for userid in late.holders:
            if draft.state != DraftState.pending:
                todo = f"改好后发送「送审 {draft.number}」"
            elif userid in approvers:
                todo = f"回复「批准 {draft.number}」或「退回 {draft.number} 原因」"
            else:  # an admin holds it: nobody may approve it
                todo = f"目前没有能审核这篇稿件的审核人，{review.NAME_AN_APPROVER}"
            text = f"{waiting}{todo}；发送「稿件 {draft.number} 全文」查看。"
            sent += outbox.notify(ctx.session, [userid], text, f"{holding}:{day}", ctx.now)
        if earlier:  # the second reminder and later: an admin sees it too
            names = "、".join(members.names(ctx.session, late.holders).values()) or "无人"
            copy = f"抄送管理员：第 {earlier + 1} 次催办（经办：{names}）\n{text}"
            sent += outbox.notify(ctx.session, [a for a in admins if a not in late.holders], copy,
                                  f"{holding}:{day}", ctx.now)
    return sent


def training_reminder(ctx: JobContext) -> int:
    """每年…开展通讯员培训: each admin is asked, 1:1, to arrange the year's training for the correspondents
    (the group, if there is no admin yet: the reminder is not lost)."""
    year = ctx.fire.year
    held = trainings.of_year(ctx.session, year)  # the trainer came early in the year: it is on the record
    if held:
        done = "、".join(f"{day_name(e.training.day)} {e.training.title}" for e in held[:3])
        arrange = (f"{year}年已登记通讯员培训 {len(held)} 次：{done}{'等' if len(held) > 3 else ''}"
                   f"（发送「培训 {year}」查看）。如还要安排培训，定下后在例会上通知大家")
    else:
        arrange = f"请安排{year}年的培训（时间、主讲人、内容），定下后在例会上通知大家"
    text = (f"年度通讯员培训提醒：按局里的做法，每年邀请省、市上级主管部门经验丰富的宣传工作者来局开展通讯员培训，"
            f"并鼓励年轻干部参加各类新闻写作培训。{arrange}；"
            "培训后发送「培训 登记 日期 名称 主讲 …」，第二行写参加人员，记入培训台账。")
    admins = members.with_role(ctx.session, Role.admin)
    if not admins:
        return ctx.to_group(f"training:{year}", [text])
    return outbox.notify(ctx.session, [admin.userid for admin in admins], text, f"training:{year}", ctx.now)


YEAR_END_PARTS = 10  # the whole year's articles (a county bureau's few dozen to a few hundred), not a flood


def year_end(ctx: JobContext) -> int:
    """Dec 28: the year's ranking of people and departments and its published articles (the material for 工作巡礼).
    Fired in the first half of a year, it closes the year before, whole (日程 设置 year_end month=1 day=2)."""
    day = ctx.fire.date()
    year = periods.closing_year(day)
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    so_far = f"，截至{day.month}月{day.day}日" if day < end else ""  # Dec 31 too: later 刊发 still count
    lines = [f"**{year}年度用稿排行（优秀通讯员评选参考{so_far}）**"]
    lines += [p.member_line(place) for place, p in rewards.placed(rewards.people(ctx.session, start, end), 10)]
    departments = rewards.placed(rewards.departments(ctx.session, start, end), 10)
    if departments:
        lines.append("部门：" + "，".join(f"{d.name} {d.points:g} 分" for _, d in departments))
    trained = trainings.of_year(ctx.session, year)
    if trained:
        lines.append(f"全年通讯员培训 {len(trained)} 次，共 {sum(e.attendees for e in trained)} 人次参加"
                     f"（发送「培训 {year}」查看）。")
    else:  # 每年…开展通讯员培训: a year without one is news, as the year's summary says
        lines.append("全年没有登记通讯员培训。")
    # 主题宣传: the theme days' calls ask for drafts to be filed in their series 「年终统计」.
    series = [c for c in topics.counts(ctx.session, start, end, ctx.settings.zone) if c.drafts or c.published]
    if series:
        lines.append("专题（主题宣传、系列报道）：" + "；".join(f"{c.name} 投稿 {c.drafts} 篇、刊发 {c.published} 篇"
                                                             for c in series) + "。")
    if so_far:
        lines.append(f"此后登记的刊发仍计入全年：发送「排行 {year}」查看最新排行。")
    lines.append(f"年度宣传工作总结的数据素材：管理员发送「导出 总结 {year}」获取。")
    articles = rewards.articles(ctx.session, start, end)
    lines.append(f"全年刊发稿件 {len(articles)} 篇：")
    lines += [f"· 《{a.draft.title}》{'、'.join(p.outlet.name for p in a.publications)}" for a in articles]
    # The whole year's ranking has a key of its own: an office may send both, on Dec 28 and in January.
    key = f"yearend:{year}:{day:%m-%d}" if so_far else f"yearend:{year}"
    return ctx.to_group(key, lines, f"……完整清单请管理员发送「导出 {year}」获取年度用稿奖励表。", parts=YEAR_END_PARTS)


JOBS: dict[str, Callable[[JobContext], int]] = {
    "monthly_report": monthly_report, "meeting": meeting, "meeting_notice": meeting_notice,
    "study_reminder": study_reminder, "theme_day_calls": theme_day_calls, "overdue_reminders": overdue_reminders,
    "training_reminder": training_reminder, "year_end": year_end,
}


def failed(session: Session, schedule: Schedule, fire: datetime, now: datetime) -> None:
    """A firing whose job raised: it is not tried again (it might fail the same way), so the admins hear of it."""
    _tell_admins(session, schedule, fire, "failed",
                 "执行时出错，未能完成。请联系系统运维人员查看日志（newsbot schedule runs）", now)


def missed(session: Session, schedule: Schedule, fire: datetime, now: datetime) -> None:
    """A firing skipped beyond its grace (the bot was down): the admins hear of it when it was the period's only
    post, with what to do instead. Daily reminders and notices need no word: the next run covers them."""
    instead = {
        "monthly_report": f"可在工作群发送「统计 {periods.reported_month(fire.date()):%Y-%m}」代替",
        "year_end": f"可在工作群发送「排行 {periods.closing_year(fire.date())}」查看年度排行，"
                    f"发送「导出 {periods.closing_year(fire.date())}」获取全年刊发稿件清单（用稿奖励表）",
        "study_reminder": "本月学习内容已设置的，可在工作群发送「学习」；尚未设置的，请发送「学习 设置 内容」，"
                          "设置后将立即发到工作群",
        "training_reminder": f"请自行安排{fire.year}年通讯员培训",
    }.get(schedule.job)
    if instead is not None:
        _tell_admins(session, schedule, fire, "missed",
                     f"执行，因系统当时未运行且已超过补发时限，未能发出。{instead}", now)


def _tell_admins(session: Session, schedule: Schedule, fire: datetime, what: str, text: str, now: datetime) -> None:
    admins = members.admin_userids(session)
    outbox.notify(session, admins, f"日程「{TITLES.get(schedule.id, schedule.id)}」原定于{day_name(fire.date())}"
                  f"{fire.hour}:{fire:%M}{text}。", f"{what}:{schedule.id}:{fire:%Y-%m-%dT%H:%M}", now)
