"""媒体: the outlet directory (一稿多投), and the admins' changes to it."""

from __future__ import annotations

from bot.domain import outlets
from bot.domain.errors import Refused, UsageError
from bot.messages import Incoming, Reply
from bot.router import Context, Router
from bot.text import field_values
from models import Level, Outlet, Role

router = Router()


@router.command("媒体", "投稿邮箱")
def directory(msg: Incoming, ctx: Context) -> Reply:
    """媒体 [名称] — 可投稿的媒体：级别、邮箱、格式、用途
    例：媒体 韶关日报
    管理员：媒体 添加 名称 级别 [邮箱]｜媒体 修改 名称 字段=值 …｜媒体 停用 名称
    """
    words, wanted = ctx.command.raw_args.split(), outlets.names_in(ctx.command.raw_args)  # 「韶关日报、南方网。」
    if not wanted:
        every = outlets.everything(ctx.session)
        listing = "\n\n".join(describe(o) for o in every if o.active) or "还没有媒体。"
        retired = [o.name for o in every if not o.active]
        if retired and ctx.member.may(Role.admin):
            listing += f"\n\n已停用：{'、'.join(retired)}（「媒体 修改 名称 启用=是」重新启用）"
        return Reply(listing)
    if words[0] not in ("添加", "修改", "停用"):  # 「媒体 韶关日报 南方网」: those outlets, for anyone
        retired_too = ctx.member.may(Role.admin)
        return Reply("\n\n".join(describe(outlets.find(ctx.session, name, retired_too)) for name in wanted))
    if not ctx.member.may(Role.admin):
        raise Refused("只有管理员可以添加、修改或停用媒体。发送「媒体」查看媒体列表。")
    action, rest = words[0], words[1:]
    if action == "添加" and len(rest) in (2, 3):
        outlet = outlets.add(ctx.session, rest[0], rest[1], rest[2] if len(rest) == 3 else "", ctx.now,
                             ctx.member.userid)
        return Reply(f"已添加媒体：\n{describe(outlet)}")
    if action == "修改" and len(rest) >= 2:
        changes = field_values(ctx.command.raw_args.split(None, 2)[2])  # values may contain spaces
        if not changes:
            raise UsageError(f"请写 字段=值，例如：媒体 修改 {rest[0]} 邮箱=tougao@example.com")
        outlet = outlets.find(ctx.session, rest[0], include_retired=True)
        level = outlet.level
        outlet = outlets.edit(ctx.session, outlet, changes, ctx.now, ctx.member.userid)
        published = outlets.publications(ctx.session, outlet) if outlet.level != level else 0
        note = (f"\n注意：已登记的 {published} 篇次刊发积分不变，但统计、结算表和年度总结按新级别显示。"
                "如需保留原级别的历史，请改回，另添加一个媒体（新名称）并停用这一个。" if published else "")
        return Reply(f"已修改：\n{describe(outlet)}{note}")
    if action == "停用" and len(rest) == 1:
        outlet = outlets.find(ctx.session, rest[0], include_retired=True)
        outlets.retire(ctx.session, outlet, ctx.now, ctx.member.userid)
        return Reply(f"已停用媒体「{outlet.name}」；它的投稿和刊发记录保留，排队中的邮件不再发给它。")
    raise UsageError("用法：媒体 添加 名称 级别 [邮箱]｜媒体 修改 名称 字段=值 …｜媒体 停用 名称\n"
                     f"可改字段：{'、'.join(outlets.EDITABLE.values())}")


def describe(outlet: Outlet) -> str:
    rules = []
    if outlet.min_chars or outlet.max_chars:
        rules.append(f"{outlet.min_chars or 0}–{outlet.max_chars or '不限'} 字")
    if outlet.max_title_chars:
        rules.append(f"标题≤{outlet.max_title_chars}字")
    if outlet.photos_required:
        rules.append("需配图")
    if outlet.byline:
        rules.append(f"署名「{outlet.byline.format(author='〔作者〕', department='〔部门〕')}」")
    rules.append("Word 附件" if outlet.attachment == "docx" else "正文直接粘贴")
    aliases = f"（{'、'.join(outlet.alias_list)}）" if outlet.alias_list else ""
    retired = "" if outlet.active else "（已停用）"
    lines = [f"{outlet.name}{aliases}·{Level(outlet.level).label}{retired}", f"邮箱：{outlet.mailbox or '未设置'}",
             f"要求：{'，'.join(rules)}"]
    if outlet.purpose:
        lines.append(f"用途：{outlet.purpose}")
    return "\n".join(lines)
