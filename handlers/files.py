"""Files sent to the bot: a .docx or .txt becomes a draft (downloaded in the background)."""

from __future__ import annotations

from bot import file_drafts
from bot.domain import drafts
from bot.messages import Incoming, Reply
from bot.router import Context, Router

router = Router()


@router.kind("file")
def file_received(msg: Incoming, ctx: Context) -> Reply:
    """A file message: queue its download; the member hears back when the draft is ready."""
    drafts.require_writer(ctx.session, ctx.member)
    file_drafts.queue(ctx.session, msg, ctx.now)
    name = f"「{msg.filename}」" if msg.filename else ""
    origin = "文件名" if msg.filename else "文件名或正文第一行"  # an AI bot file may come without its name
    return Reply(f"已收到文件{name}，正在读取，稍后告诉您结果（标题取自{origin}；"
                 "如需另定标题，请接着发送「投稿 标题」）。")
