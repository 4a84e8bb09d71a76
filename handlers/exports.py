"""导出 and 审批表: the office's files — the reward settlement, a month's figures, a draft's approval form — sent
to the member as a file in their 1:1 chat with the app."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot import exports
from bot.domain import drafts, periods
from bot.domain.errors import Refused, UsageError
from bot.messages import Incoming, Reply
from bot.router import Context, Router
from handlers.arguments import draft_number

router = Router()


@router.command("导出", roles=exports.ROLES["rewards"], near=("下载", "结算", "奖励表", "用稿表", "报表", "导出表格"))
def export(msg: Incoming, ctx: Context) -> Reply:
    """导出 [年份｜季度｜月份] — 用稿奖励结算表（年度、季度）或月度统计表（月份），以文件发给您
    导出 总结 [年份] — 年度宣传工作总结的数据素材（Word 文件）
    例：导出 2026Q3
    """
    today, words = ctx.today, ctx.command.args.strip()
    summary = _SUMMARY.search(words)
    if summary is None:
        job, title = _wanted(words, today)
    else:
        rest = (words[:summary.start()] + words[summary.end():]).strip()
        job, title = _summary(rest or _SUMMARY_YEAR.get(summary[1], ""), today)
    exports.queue(ctx.session, msg, job, ctx.now)
    return Reply(_coming(msg, ctx, f"《{title}》"))


@router.command("审批表", roles=exports.ROLES["form"], takes_number=True, near=("审批单", "审稿单", "审批记录"))
def approval_form(msg: Incoming, ctx: Context) -> Reply:
    """审批表 #编号 — 稿件的审批表（Word 文件，供存档）
    例：审批表 #12
    """
    draft = drafts.get(ctx.session, draft_number(ctx.command, "审批表"))
    if not drafts.may_see(ctx.member, draft):
        raise Refused(f"您不是稿件 {draft.number} 的编辑或审核人，无权导出它的审批表。", draft.id)
    exports.queue(ctx.session, msg, exports.approval_form(draft), ctx.now)
    return Reply(_coming(msg, ctx, f"稿件 {draft.number}《{draft.title}》的审批表"))


# The summary by any of its names: 总结, 年度总结, 年终总结, 宣传工作总结, 2025年度宣传工作总结, 去年度总结.
_SUMMARY = re.compile(r"(?:(上|去|今|本)年?度?)?[年度终宣传工作]*总结")
_SUMMARY_YEAR = {"上": "去年", "去": "去年", "今": "今年", "本": "今年"}


def _summary(text: str, today: date) -> tuple[dict[str, Any], str]:
    """A year (by default the one closing: in the first half of a year, the year before) that has begun."""
    example = f"导出 总结 {periods.closing_year(today)}"
    try:
        start, end, name = periods.parse_period(text or str(periods.closing_year(today)), today)
    except UsageError:
        if text.isdigit():
            raise  # a year out of range: the refusal says which years are
        raise UsageError(f"「{text}」不是年份。总结按全年生成，例如：{example}") from None
    if (start.month, end.year) != (1, start.year + 1):
        raise UsageError(f"总结按全年生成，请写年份，例如：导出 总结 {start.year}")
    if start > today:
        raise UsageError(f"{name}还没有开始，没有可总结的数据。例如：{example}")
    return exports.year_summary(start.year), f"{name}度宣传工作总结（数据素材）"


def _wanted(text: str, today: date) -> tuple[dict[str, Any], str]:
    """A year or quarter is its reward settlement; a month, its figures. The default is this year, but in January
    and February the year just closed: its settlement is what the office pays then."""
    default = "去年" if today.month <= 2 else "今年"
    try:
        start, end, name = periods.parse_span(text or default, today)
    except UsageError:
        raise UsageError(f"「{text}」不是年份、季度或月份。例如：导出 2026（全年用稿奖励表）、导出 2026Q3 或 上季度"
                         "（季度）、导出 2026-05 或 上月（月度统计表）") from None
    if start > today:  # an empty file of a period to come helps nobody
        raise UsageError(f"{name}还没有开始，没有可导出的数据。例如：导出 {today.year}")
    if periods.is_month(start, end):
        return exports.month_figures(start, end), f"{start:%Y-%m}统计表"
    return exports.settlement(start, end, name), f"{name}用稿奖励表"


def _coming(msg: Incoming, ctx: Context, what: str) -> str:
    if ctx.settings.local_mode:
        return (f"正在生成{what}。未配置企业微信应用（本地模式），文件不发送，"
                f"保存在服务器的 {ctx.settings.exports_dir} 目录。")
    if msg.channel == "aibot":  # files come from the self-built app, not from the bot's chat
        return f"正在生成{what}，稍后由企业微信应用以文件发给您，请在应用的消息中查收。"
    return f"正在生成{what}，稍后以文件发给您。"
