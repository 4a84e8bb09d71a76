"""帮助: the commands this member may use, generated from the handlers' docstrings."""

from __future__ import annotations

from functools import cache

from bot import paging
from bot.domain import members
from bot.messages import Incoming, Reply
from bot.router import Context, Route, Router
from models import Role

router = Router()


@router.command("帮助", "help", "?", near=("菜单", "命令", "用法", "说明", "帮忙"))
def help_(msg: Incoming, ctx: Context) -> Reply:
    """帮助 [命令] — 可用的命令，带命令名看说明
    例：帮助 投稿
    """
    allowed = [route for route in ctx.router.routes if route.allows(ctx.member)]
    wanted = ctx.command.args
    if wanted:
        for route in allowed:
            if wanted in route.words:
                return Reply(_describe(route, full=True, admin=ctx.member.may(Role.admin)))
        return Reply(f"没有您可用的命令「{wanted}」。发送「帮助」查看全部可用命令。")
    # The way to send a draft first: a long list goes on pages read with 更多, and its end may be on the next.
    how = ("也可直接发 .docx/.txt 文件投稿，或发刊发文章的链接。" if ctx.member.may(Role.correspondent)
           else f"投稿需要通讯员角色，如需开通请联系{members.admins_named(ctx.session)}。")  # a newcomer, no role yet
    lines = [f"您好，{ctx.member.name}（{ctx.member.role_labels}）。⏎ 表示同一条消息里换行。{how}您可以使用："]
    admin = ctx.member.may(Role.admin)
    lines += [_describe(route, admin=admin) for route in allowed]
    return Reply("\n".join(lines))


@router.event("enter_agent")
@router.event("enter_chat")  # the AI bot's 1:1 chat opened
def greet(msg: Incoming, ctx: Context) -> Reply:
    """A member opened the app's chat."""
    return Reply(f"您好，{ctx.member.name}！我是宣传稿件助手。发送「帮助」查看可用命令。")


@router.command("更多")
def more(msg: Incoming, ctx: Context) -> Reply:
    """更多 — 长回复的下一页
    例：更多
    """
    chat = paging.conversation(msg)
    page = paging.next_page(ctx.session, ctx.member.userid, ctx.now, chat)
    if page:
        return Reply(page)
    other = paging.someone_elses(ctx.session, ctx.member.userid, ctx.now, chat)
    if other is not None:  # the group read a colleague's footer: 「更多」 is each member's own
        userid, asked = other
        name = members.names(ctx.session, [userid]).get(userid, "其他成员")
        whole = asked and not asked.endswith("…")  # the label cuts a long command line short
        yours = f"看您自己的请发送「{asked}」" if whole else "看您自己的请发送那条命令"
        return Reply(f"「更多」只接着您自己的长回复，您在本群没有未看完的回复。群里那条是{name}的"
                     f"{f'「{asked}」' if asked else '回复'}，要{name}本人发送「更多」才往下翻；{yours}。")
    return Reply("没有更多内容了。长回复的后续页面保留 24 小时，请重新发送原来的命令。")


@cache  # a route and its docstring do not change while the process runs
def _describe(route: Route, full: bool = False, admin: bool = False) -> str:
    """The command's first docstring line and its example, or with `full` all of it; its admin lines
    (「管理员：…」) only for admins."""
    lines = [line.strip() for line in route.usage.splitlines() if line.strip()
             and (admin or not line.strip().startswith("管理员："))]
    aliases = f"（也可用：{'、'.join(route.words[1:])}）" if full and route.words[1:] else ""
    head, examples = lines[0], lines[1:] if full else [
        *lines[1:2], *(line for line in lines[2:] if line.startswith("管理员："))]
    return "\n".join([f"• {head}{aliases}", *(f"  {line}" for line in examples)])
