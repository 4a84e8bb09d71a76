"""线索, 例会, 学习 and 日程: the office's rhythm (每月例会, 每月学习制度) and its calendar."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain import meetings, periods, schedules, studying, workdays
from bot.domain.errors import Refused, UsageError
from bot.messages import Incoming, Reply
from bot.router import Context, Router, lines_beginning_with, one_command_only
from bot.text import field_values
from handlers.formatting import local_time
from models import Role

router = Router()


@router.command("线索", takes_lines=True)
def lead(msg: Incoming, ctx: Context) -> Reply:
    """线索 内容 — 提交新闻线索，下次例会交流
    例：线索 坪石镇垦造水田下月验收
    """
    leads = 1 + lines_beginning_with(("线索",), ctx.command.body)
    if leads > 1:  # 「线索 甲⏎线索 乙」 would be one lead of both
        raise UsageError(one_command_only("线索", leads))
    meetings.add_lead(ctx.session, ctx.member, "\n".join(filter(None, [ctx.command.raw_args, ctx.command.body])),
                      ctx.now)
    return Reply("已记录线索，将在下次宣传工作例会上交流。发送「例会」查看。")


@router.command("例会")
def meeting(msg: Incoming, ctx: Context) -> Reply:
    """例会 — 下次例会的时间、地点、议程和线索
    例：例会
    """
    found = meetings.next_meeting(ctx.session, ctx.now, ctx.settings.zone)
    if found is None:
        return Reply("例会日程已停用或未设置，请联系管理员。")
    when, schedule = found
    return Reply("\n".join(["下次宣传工作例会：", *meetings.meeting_lines(ctx.session, when, schedule,
                                                                          ctx.settings.zone)]))


@router.command("学习", takes_lines=True)
def study(msg: Incoming, ctx: Context) -> Reply:
    """学习 [2026-07] — 每月学习内容
    例：学习
    管理员：学习 设置 [7月] 内容
    """
    args, raw = ctx.command.args, ctx.command.raw_args  # the same length: an offset into one is one into the other
    setting = args.startswith("设置")
    if setting:
        if not ctx.member.may(Role.admin):
            raise Refused("只有管理员可以设置学习内容。发送「学习」查看本月内容。")
        args, raw = args[2:].lstrip(), raw[2:].lstrip()
    today = ctx.today
    found = periods.leading_month(args, today)
    if found is None and setting and _UNREAD_MONTH.match(args):  # read as items, it would replace this month's
        raise UsageError(f"学习内容没有设置：「{args.split()[0][:12]}」读不出是哪个月。请写：学习 设置 2026-07 内容，"
                         "或 学习 设置 7月 内容（月份后空一格；本月的不用写月份）。")
    start, end = found or (today, 0)
    month, text = f"{start:%Y-%m}", raw[end:].strip()
    if setting:  # 学习 设置 2026-07 …: next month's items ahead of the reminder
        items = "\n".join(filter(None, [text, ctx.command.body])).strip()
        replaced, posted = studying.set_items(ctx.session, month, items, ctx.now, ctx.member.userid,
                                                    ctx.settings.zone)
        earlier = ("与原有内容相同。" if replaced == items else f"替换了原有内容：\n{replaced}\n") if replaced else ""
        return Reply(f"已设置 {month} 的学习内容。{posted}{earlier}发送「学习 {month}」查看。")
    if text:
        raise UsageError("用法：学习｜学习 2026-07｜学习 设置 [2026-07] 内容（管理员）")
    kept = studying.items(ctx.session, month)
    return Reply(f"{month} 学习内容：\n{kept}" if kept else f"{month} 的学习内容还没有设置。")


@router.command("日程", roles={Role.admin}, takes_lines=True)
def calendar(msg: Incoming, ctx: Context) -> Reply:
    """日程 [启用｜停用 编号｜设置 编号 字段=值…｜假日｜放假｜上班｜清除 日期…] — 定时任务和节假日（管理员）
    例：日程 设置 meeting hour=16 place=二楼会议室
    例：日程 放假 10月1日至8日 国庆节
    """
    if ctx.command.body:  # 「日程 放假 …⏎上班 9月28日 …」: the notice pasted line by line
        below = ctx.command.body.strip().splitlines()[0].strip()
        raise UsageError(f"「日程」一条消息只写一行，这条没有执行。请把第二行另发一条，以「日程」开头：日程 {below}")
    if again := _AGAIN.search(ctx.command.raw_args):  # 「place=二楼会议室；日程 放假 …」 was stored as the place
        first, second = ctx.command.raw_args[:again.start()].strip(), ctx.command.raw_args[again.start():]
        raise UsageError(f"一条消息只写一条「日程」命令，这条没有执行。请分两条发送：「日程 {first}」"
                         f"和「{second.lstrip('；;，,。 ')}」")
    raw = _ACTION_COLON.sub(r"\1 ", ctx.command.raw_args)
    words = raw.split()
    if holidays := _WORKDAY_WORD.match(raw):  # 「日程 放假10月1日 国庆节」 too
        return _workdays(ctx, holidays[0], raw[holidays.end():])
    if not words:
        lines = []
        for schedule in schedules.everything(ctx.session):
            upcoming = meetings.next_run(ctx.session, schedule, ctx.now, ctx.settings.zone)
            when = local_time(upcoming, ctx.settings.zone, ctx.now) if upcoming else "已停用"
            params = schedules.describe_params(schedule)
            lines.append(f"{schedule.id}（{schedules.TITLES.get(schedule.id, schedule.job)}）"
                         f"{schedules.describe_rule(schedule.rule)}，下次 {when}" + (f"\n  {params}" if params else ""))
        lines.append("节假日与调休（影响编辑处理时限和催办）：发送「日程 假日」查看。")
        return Reply("\n".join(lines))
    action, rest = words[0], words[1:]
    if action in ("启用", "停用") and len(rest) == 1:
        schedule, told = meetings.enable_schedule(ctx.session, rest[0], action == "启用", ctx.settings.zone,
                                                  ctx.now, ctx.member.userid)
        return Reply(f"日程 {schedule.id} 已{action}。{told}")
    if action == "设置" and len(rest) >= 2:
        tail = ctx.command.raw_args.split(None, 2)[2]  # values may contain spaces: agenda=一、线索 二、经验
        changes = field_values(tail)
        if not changes:
            raise UsageError("请写 字段=值，例如：日程 设置 meeting hour=16 place=二楼会议室")
        earlier = schedules.get(ctx.session, rest[0])
        before, days_before = dict(earlier.rule), list(earlier.params.get("days") or [])
        schedule, announced = meetings.change_schedule(ctx.session, rest[0], changes, ctx.settings.zone, ctx.now,
                                                       ctx.member.userid)
        upcoming = meetings.next_run(ctx.session, schedule, ctx.now, ctx.settings.zone)
        params = f"；{schedules.describe_params(schedule)}" if schedule.params else ""
        told = f"\n{announced}" if announced else ""
        days = schedule.params.get("days") or []
        removed = [day for day in days_before if day not in days]
        if "days" in changes and removed:  # the list is replaced whole: adding one day by itself drops the rest
            both = sorted(days + removed, key=lambda day: (day[0], day[1]))
            told += (f"\n主题日整体替换，去掉了 {len(removed)} 个：{'、'.join(f'{m}-{d} {n}' for m, d, n in removed)}。"
                     f"如要保留，请发送：日程 设置 {schedule.id} days="
                     + ";".join(f"{m}-{d} {n}" for m, d, n in both))
        skipped = schedules.skipped_this_month(before, schedule, ctx.settings.zone, ctx.now)
        if skipped is not None:
            told += (f"\n注意：按新规则，本月的 {local_time(skipped, ctx.settings.zone, ctx.now)} 已过，本月不再发送"
                     + ("；本月学习内容用「学习 设置」设置后会直接发到工作群。" if schedule.job == "study_reminder"
                        else "。如本月还要发送，请先设为今后的时间，发送后再改回。"))
        return Reply(f"已修改 {schedule.id}：{schedules.describe_rule(schedule.rule)}{params}，"
                     f"下次 {local_time(upcoming, ctx.settings.zone, ctx.now) if upcoming else '—'}{told}")
    raise UsageError("用法：日程｜日程 启用 编号｜日程 停用 编号｜日程 设置 编号 字段=值 …｜日程 假日｜"
                     "日程 放假／上班 日期 名称｜日程 清除 日期")


# The words of the notice and of the office: 调休 and 补班 are days worked, 节假日 the list.
# Where 学习 设置 takes a month, one it cannot read: a day (7月1日, 2026-7-1, 7/1, 七月一日) or a month run on
# into the items (8月份学习…). Not a number that goes on (2026年1号文件, 1.2026年…, 2026-123号).
_UNREAD_MONTH = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d|\d{1,2}\s*[-/]\s*\d{1,2}(?!\d)"
                           r"|(?:\d{4}\s*年\s*)?\d{1,2}\s*月|[一二三四五六七八九十]+月[一二三四五六七八九十\d]")
_WORKDAY_ACTIONS = {"假日": "假日", "节假日": "假日", "放假": "放假", "上班": "上班", "调休": "上班", "补班": "上班",
                    "清除": "清除"}
_WORKDAY_WORD = re.compile(rf"(?:{'|'.join(_WORKDAY_ACTIONS)})(?=[\s\d０-９]|$)")
# 「日程 放假：10月1日…」, as a list is written: the colon is no part of the days.
_AGAIN = re.compile(r"(?:^|[\s；;，,。])日程(?=\s|$)")  # the command word again: a second command
_ACTION_COLON = re.compile(rf"^({'|'.join(_WORKDAY_ACTIONS)})\s*[:：,，]\s*(?=[\d０-９])")


def _workdays(ctx: Context, word: str, rest: str) -> Reply:
    """The office's days off and weekend days worked: what the editor's clock and 催办 go by."""
    today, action = ctx.today, _WORKDAY_ACTIONS[word]
    if action == "假日":
        lines = [f"{workdays.span_name(first, last, weekdays=True)} {'放假' if off else '调休上班'}（{name}），"
                 f"共 {(last - first).days + 1} 天" for first, last, off, name in workdays.upcoming(ctx.session, today)]
        return Reply("\n".join(["今后的节假日与调休：", *lines] if lines else ["尚未登记今后的节假日和调休。"])
                     + f"\n{workdays.usage(today)}")
    if action == "清除" and not rest.strip():
        raise UsageError("请写要清除的日期，例如：日程 清除 10-10，或 日程 清除 10月1日至7日")
    spans, name = workdays.parse_days(rest, today)
    named = "、".join(workdays.span_name(first, last) for first, last in spans)
    if action == "清除":  # a name after the days (the 放假 line with 清除 in front) changes nothing
        cleared = sum(workdays.clear(ctx.session, first, last, ctx.now, ctx.member.userid) for first, last in spans)
        return Reply(f"已清除{named}的登记（{cleared} 天），恢复按周一至周五工作日计算。" if cleared
                     else f"{named}未登记节假日或调休，无需清除。")
    earlier = [entry for first, last in spans for entry in
               workdays.mark(ctx.session, first, last, action == "放假", name, ctx.now, ctx.member.userid)]
    count = len({first + timedelta(days=n) for first, last in spans for n in range((last - first).days + 1)})
    meaning = "放假：不计入编辑处理时限，不催办" if action == "放假" else "调休上班：计入编辑处理时限，照常催办"
    replaced = ""
    if earlier:
        day, off, was = earlier[0]
        replaced = (f"其中 {len(earlier)} 天原有不同登记（如{workdays.span_name(day, day)}："
                    f"{'放假' if off else '调休上班'}（{was}）），已改为本次登记。")
    return Reply(f"已登记 {named}（{count} 天）{meaning}。{replaced}发送「日程 假日」查看。")
