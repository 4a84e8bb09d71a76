"""积分, 排行 and 统计: points, the rankings (优秀通讯员评选) and the figures of a month, quarter or year."""

from __future__ import annotations

from bot.domain import periods, rewards, stats
from bot.messages import Incoming, Reply
from bot.router import Context, Router

router = Router()
TOP = 10


@router.command("积分", near=("积份", "分数", "我的积分"))
def points(msg: Incoming, ctx: Context) -> Reply:
    """积分 [年份｜季度] — 我的用稿积分和刊发的稿件
    例：积分 2026Q2
    """
    start, end, name = periods.parse_period(ctx.command.args, ctx.today)
    mine = rewards.articles(ctx.session, start, end, ctx.member)
    if not mine:
        return Reply(f"{name}您还没有刊发的稿件。{_last_year_hint(ctx, '积分')}")
    lines = [f"{name}积分：{sum(a.points for a in mine):g}（{len(mine)} 篇）"]
    for article in mine:
        where = "、".join(p.outlet.name for p in article.publications)
        lines.append(f"{article.draft.number}《{article.draft.title}》{where} {article.points:g} 分")
    return Reply("\n".join(lines))


@router.command("排行", near=("排名", "排行榜"))
def ranking(msg: Incoming, ctx: Context) -> Reply:
    """排行 [年份｜季度] — 通讯员和部门的用稿积分排行
    例：排行 2026Q3
    """
    start, end, name = periods.parse_period(ctx.command.args, ctx.today)
    people = rewards.people(ctx.session, start, end)
    if not people:
        return Reply(f"{name}还没有刊发的稿件。{_last_year_hint(ctx, '排行')}")
    lines = [f"{name}通讯员排行："]
    shown = rewards.placed(people, TOP)
    lines += [p.member_line(place) for place, p in shown]
    mine = [(place, p) for place, p in rewards.placed(people, len(people)) if p.userid == ctx.member.userid]
    if mine and mine[0][1] not in (p for _, p in shown) and not ctx.in_group:  # where one stands, beyond the top
        lines.append(f"……\n您：{mine[0][1].member_line(mine[0][0])}")
    lines.append("部门排行：")
    departments = rewards.departments(ctx.session, start, end)
    lines += [d.department_line(place) for place, d in rewards.placed(departments, TOP)]
    return Reply("\n".join(lines))


@router.command("统计", near=("统记", "汇总"))
def figures(msg: Incoming, ctx: Context) -> Reply:
    """统计 [2026-05｜2026] — 投稿、刊发、上稿率、转载率和未投稿的部门
    例：统计 2026-05
    """
    start, end, name = periods.parse_span(ctx.command.args, ctx.today)
    return Reply("\n".join(stats.figures(ctx.session, start, end, ctx.settings.zone).lines(name)))


def _last_year_hint(ctx: Context, word: str) -> str:
    """After a bare command finds nothing this year (in January, say), the year just closed is one word away."""
    year = ctx.today.year - 1
    return "" if ctx.command.args else f"查看{year}年请发送「{word} {year}」。"
