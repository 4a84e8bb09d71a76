"""A message the outbox gave up on (a dead letter): the admins hear what it was and why, the member waiting for a
file hears too, and an e-mail that died inside SMTP counts as sent (the outlet may have it)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import outbox
from bot.domain import members, stats, submitting
from bot.exports import EXPORT_JOB
from bot.file_drafts import FILE_JOB
from bot.wecom.transports import MAYBE_POSTED
from models import OutboxMessage


def tell_admins(session: Session, message: OutboxMessage, error: str, now: datetime, *,
                zone: ZoneInfo) -> None:
    """A message that will never be sent is reported to the admins (but a failed report is not reported)."""
    if message.dedupe_key.startswith("deadletter:"):
        return
    if message.channel == outbox.APP and (member := members.get(session, message.recipient)) and not member.active:
        return  # a notice to a member who left: WeCom refuses it (81013), which is no news to the admins
    # Each death is news: a row revived by `newsbot outbox retry` that dies again is reported again.
    death = f"deadletter:{message.id}:{(message.claimed_by or '').rpartition(':')[2]}"
    maybe_sent = message.channel == submitting.MAIL and submitting.mail_failed(
        session, message.payload["submission_id"], error, now, message.claimed_by or "")
    if maybe_sent:  # its last attempt died inside SMTP: counted as sent (bot.domain.submitting.mail_failed)
        stats.recount(session, message.payload["submission_id"], zone)
    # Asked for in the group, the answer comes 1:1, as the file would have: its reason is the member's business.
    route = None if (message.payload.get("reply") or {}).get("group") else message.payload.get("reply")
    if message.channel == FILE_JOB:  # the member is waiting to hear about the file
        outbox.reply(session, message.recipient, route,
                     "抱歉，您发来的文件暂时无法读取，已通知管理员。"
                     "请稍后重新发送，或把正文复制出来用「投稿 标题」换行发送。",
                     f"{death}:member", now)
    if message.channel == EXPORT_JOB:  # …or for the file asked for
        outbox.reply(session, message.recipient, route,
                     f"抱歉，您要的文件未能发出，已通知管理员。原因：{error[:200]}", f"{death}:member", now)
    admins = members.admin_userids(session)
    summary = (submitting.mail_described(session, message.payload["submission_id"], message.recipient)
               if message.channel == submitting.MAIL else outbox.describe(message))
    then = ("最后一次发送中途中断，邮件可能已经发出：请先向该媒体确认，没有收到再运行" if maybe_sent
            else "请先在群里查看，没有看到再运行" if MAYBE_POSTED in error else "处理后可运行")
    outbox.notify(session, admins,
                  f"一条消息发送失败，已停止重试（发件箱 {message.id}）：{summary[:120]}\n原因：{error[:300]}\n"
                  f"{then} newsbot outbox retry {message.id} 重新发送。",
                  death, now)
