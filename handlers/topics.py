"""专题: series of reports (组织策划系列报道) — their counts, their drafts, putting a draft into one."""

from __future__ import annotations

from bot.domain import periods, topics
from bot.domain.errors import Refused, UsageError
from bot.messages import Incoming, Reply
from bot.router import Context, Router
from bot.text import leading_draft_number
from handlers.arguments import take_number
from handlers.formatting import draft_line
from models import Role

router = Router()
SHOWN = 20
_USAGE = "专题｜专题 2026｜专题 垦造水田｜专题 #12 垦造水田（写「无」移出）｜专题 添加 名称｜专题 停用 名称"


@router.command("专题")
def series(msg: Incoming, ctx: Context) -> Reply:
    """专题 [年份｜名称｜#编号 名称] — 系列报道篇数；把稿件归入专题
    例：专题 #12 垦造水田
    """
    words = ctx.command.raw_args.split()
    # 「专题 #12 …」 and 「专题 12 垦造水田」 name a draft; 「专题 2026」 alone is a year.
    if leading_draft_number(ctx.command.args) is not None and (ctx.command.args.startswith("#") or len(words) > 1):
        number, rest = take_number(ctx.command, "专题")
        if len(rest.raw_args.split()) != 1:
            raise UsageError(f"用法：专题 #{number} 专题名称（写「无」移出专题）。发送「专题」查看现有专题。")
        name = rest.raw_args.strip()
        draft, stored = topics.put(ctx.session, number, ctx.member, None if name == "无" else name, ctx.now)
        where = f"已归入专题「{stored}」" if stored else "已移出专题"
        return Reply(f"稿件 {draft.number}《{draft.title}》{where}。")
    if words and words[0] in ("添加", "停用"):
        if not ctx.member.may(Role.admin):
            raise Refused("只有管理员可以添加或停用专题。发送「专题」查看现有专题。")
        if len(words) != 2:
            raise UsageError(f"用法：专题 {words[0]} 专题名称（名称不能有空格），例如：专题 {words[0]} 垦造水田")
        if words[0] == "添加":
            topic = topics.add(ctx.session, words[1], ctx.now, ctx.member.userid)
            return Reply(f"已添加专题「{topic.name}」。作者和编辑可发送「专题 #编号 {topic.name}」把稿件归入专题。")
        topic = topics.retire(ctx.session, words[1], ctx.now, ctx.member.userid)
        return Reply(f"已停用专题「{topic.name}」：不再接收新稿件，已有的稿件和统计保留。")
    if words and not words[0][:1].isdigit():  # a series' name: its drafts
        if len(words) > 1:
            raise UsageError(f"无法识别「{ctx.command.raw_args}」（专题名称不能有空格）。用法：{_USAGE}")
        topic = topics.find(ctx.session, words[0], retired_too=True)
        drafts, total = topics.drafts_in(ctx.session, topic, SHOWN)
        lines = [f"专题「{topic.name}」共 {total} 篇稿件" + ("：" if total else "。用「专题 #编号 名称」归入。")]
        lines += [draft_line(d) for d in drafts]
        if total > SHOWN:
            lines.append(f"（显示最新 {SHOWN} 篇）")
        return Reply("\n".join(lines))
    start, end, period = periods.parse_period(ctx.command.args, ctx.today)
    counts = topics.counts(ctx.session, start, end, ctx.settings.zone)
    if not counts:
        return Reply("还没有专题（系列报道）。管理员可发送「专题 添加 垦造水田」，"
                     "作者和编辑再用「专题 #12 垦造水田」把稿件归入专题。")
    lines = [f"{period}专题（系列报道）："]
    lines += [f"{c.name}{'' if c.active else '（已停用）'}：投稿 {c.drafts} 篇，刊发 {c.published} 篇" for c in counts]
    lines.append(f"用法：{_USAGE}")
    return Reply("\n".join(lines))
