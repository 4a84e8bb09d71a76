"""The command engine: dedupe, normalise, route, check the member and role, one transaction."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox, paging
from bot.config import Settings
from bot.db import insert_if_new
from bot.domain import audit, drafts, members, review
from bot.domain.errors import Refused, UserError
from bot.hints import unknown_command_hint
from bot.messages import CARD_CLICK, Incoming, Reply
from bot.quoting import with_quoted_number
from bot.router import Command, Context, Handler, Router, one_command_only
from bot.text import URL, command_line, xml_safe
from models import InboundMessage, Member, Role
from models.base import table

log = logging.getLogger(__name__)


Clock = Callable[[], datetime]
# The statements every message runs, built once.
INBOUND_TABLE = table(InboundMessage)
STORED_REPLY = select(INBOUND_TABLE.c.reply).where(INBOUND_TABLE.c.key == bindparam("message_key"))
STORE_REPLY = update(INBOUND_TABLE).where(INBOUND_TABLE.c.key == bindparam("message_key"))
RECENT_MESSAGES = select(func.count()).select_from(INBOUND_TABLE).where(
    INBOUND_TABLE.c.userid == bindparam("userid"), INBOUND_TABLE.c.received_at > bindparam("since"))


_ADMIN_ONLY = frozenset({Role.admin})
SYSTEM_SENDER = "sys"  # the FromUserName of WeCom's own events (通讯录变更); members come from `members sync`
PHOTO_NOT_KEPT = "图片没有保存。配图请插入 Word 文档（.docx），随稿件发给我，投递时会一并发给媒体。"
# A 图文 message's photo beside any other command (a 刊发 with the printed page): no draft's picture to advise on.
PHOTO_IGNORED = "图片没有保存，只读取了文字。"
_ARTICLE_WORDS = frozenset({"投稿", "续稿", "修改"})  # the commands whose photos would be the article's


def utc_now() -> datetime:
    return datetime.now(UTC)


def _answered_by_message(msg: Incoming) -> bool:
    """A click on a card's button: WeCom documents no text reply to it, only the card's own update, so the answer
    (approved, or why not) goes as a message."""
    return msg.channel == "app" and msg.event == CARD_CLICK


def card_answer_key(message_key: str) -> str:
    """The outbox key of the answer to a card's button: the click's own key (up to 200 characters, the member's
    account in it, and `outbox.notify` adds it again) hashed, to fit the column's 200 with any account."""
    return "card:" + hashlib.sha256(message_key.encode()).hexdigest()[:32]


@dataclass
class CommandEngine:
    """Turns one incoming message into one reply, exactly once per dedupe key."""

    sessions: sessionmaker[Session]
    settings: Settings
    router: Router
    clock: Clock = utc_now

    def handle(self, msg: Incoming) -> Reply:
        """The reply to `msg` (text "" for none); a repeat of an already handled message gets the first reply."""
        # Control characters mean nothing in chat, PostgreSQL refuses NUL, and XML (replies, .docx) can't hold them.
        text = xml_safe(msg.text)
        if text != msg.text:  # most messages hold none, and a copy of the message costs 1 % of a callback
            msg = replace(msg, text=text)
        try:
            return self._handle_once(msg)
        except Exception:
            # Nothing was committed; WeCom gets an answer instead of a 500 and the member a hint.
            log.exception("message %s from %s failed", msg.key, msg.userid)
            reply = Reply("抱歉，处理这条消息时出错了，没有做任何修改。请稍后再试；如果一直出错，请联系管理员。",
                          outcome="error")
            if not _answered_by_message(msg):
                return reply
            try:  # a card's button: in a transaction of its own (the database may be what failed)
                with self.sessions.begin() as session:
                    outbox.notify(session, [msg.userid], reply.text, f"{card_answer_key(msg.key)}:error", self.clock())
            except Exception:
                log.exception("message %s from %s: its error could not be told", msg.key, msg.userid)
            return replace(reply, text="")

    def stored_reply(self, key: str) -> str | None:
        """The reply given to the message with this dedupe key, if any."""
        with self.sessions.begin() as session:
            return session.scalar(STORED_REPLY, {"message_key": key})

    def _handle_once(self, msg: Incoming) -> Reply:
        with self.sessions.begin() as session:
            # Before anything else: a message seen before (a WeCom retry, or a concurrent delivery that got
            # here first) is answered as it was the first time. Core statements with parameters: the row is
            # never needed as an object, and the ORM's flush costs more.
            first_time = insert_if_new(session, INBOUND_TABLE, {
                "key": msg.key, "channel": msg.channel, "userid": msg.userid, "chat_type": msg.chat_type,
                "chat_id": msg.chat_id[:100], "received_at": self.clock()}, "key")
            if not first_time:
                return Reply(session.scalar(STORED_REPLY, {"message_key": msg.key}) or "", outcome="duplicate")
            reply = self._respond(session, msg)
            if reply.text and _answered_by_message(msg):  # once, whatever WeCom retries
                outbox.notify(session, [msg.userid], reply.text, card_answer_key(msg.key), self.clock())
                return replace(reply, text="")
            if reply.text:  # kept for the retries
                session.execute(STORE_REPLY, {"message_key": msg.key, "reply": reply.text})
            return reply

    def _refused_what(self, msg: Incoming) -> str:
        """What a stranger or a member who left sent, for the audit log: its command word and length, never its
        text (the log is append-only, and their words, an ID number as like as not, are not the office's to keep)."""
        if not msg.text:
            return msg.kind
        matched = self.router.match(msg.text)
        return f"{matched[1].word if matched else '非命令'}，{len(msg.text)} 字"

    def _respond(self, session: Session, msg: Incoming) -> Reply:
        now = self.clock()
        if msg.kind == "event" and msg.userid == SYSTEM_SENDER:  # 通讯录变更: WeCom's own, from no member
            return Reply("", command=f"event:{msg.event}", outcome="ignored")
        # The sender's row is locked (on PostgreSQL; SQLite's IMMEDIATE already serialises): one member's
        # messages take turns, so concurrent workers cannot all count under the limit at once.
        member = members.for_message(session, msg.userid, self.settings.admin_userids, now)
        recent = session.scalar(RECENT_MESSAGES, {"userid": msg.userid, "since": now - timedelta(minutes=1)})
        if (recent or 0) > self.settings.rate_limit_per_minute:  # this message is counted: it was just stored
            return Reply("消息发送过于频繁，请一分钟后再试。", outcome="rate_limited")
        if member is None:
            audit.record(session, now, msg.userid, "unknown_member", comment=self._refused_what(msg))
            account = "" if msg.in_group else f"（{msg.userid}）"  # the group need not learn anyone's userid
            return Reply(f"您好，您的企业微信账号{account}还未登记为本系统成员。"
                         f"请联系{members.admins_named(session)}登记后再使用。", outcome="not_member")
        if not member.active:
            audit.record(session, now, msg.userid, "inactive_member", comment=self._refused_what(msg))
            return Reply(f"您的账号已停用。如有疑问请联系{members.admins_named(session)}。", outcome="inactive")
        if msg.kind == "event":
            handler = self.router.events.get(msg.event)
            if handler is None:
                return Reply("", command=f"event:{msg.event}", outcome="ignored")
            return self._run(handler, f"event:{msg.event}", msg, session, member, Command(msg.event, "", "", ""), now)
        if msg.kind != "text":
            handler = self.router.kinds.get(msg.kind)
            if handler is None:
                photo = PHOTO_NOT_KEPT if msg.kind == "image" else ""
                return Reply(f"{photo}暂时只能处理文字消息和 .docx/.txt 稿件文件。"
                             "请直接输入命令，发送「帮助」查看用法。", outcome="unsupported")
            return self._run(handler, msg.kind, msg, session, member, Command(msg.kind, "", "", ""), now)
        matched = self.router.match(msg.text)
        if matched is None and URL.search(command_line(msg.text)[0]) and "link" in self.router.kinds:  # a bare link
            return self._run(self.router.kinds["link"], "link", msg, session, member, Command("link", "", "", ""), now)
        if matched is None:
            returned = [] if msg.in_group else drafts.returned_to(session, member)
            just_now = None if msg.in_group else drafts.just_submitted(session, member, now)
            reviewing = [] if msg.in_group or Role.approver not in member.roles else review.pending_for(session, member)
            return Reply(unknown_command_hint(msg.text, self.router, msg.quoted, returned,
                                              member.may(Role.correspondent), just_now, reviewing),
                         outcome="unknown_command")
        route, command = matched
        if not route.allows(member):
            message = members.role_refusal(session, member, route.roles, route.words[0])
            audit.record(session, now, member.userid, f"refused:{route.words[0]}", comment=message)
            return Reply(message, command=route.words[0], outcome="refused")
        if msg.in_group and route.roles == _ADMIN_ONLY:  # 成员, 日程: their replies are the office's own business
            message = f"「{route.words[0]}」是管理命令，回复含内部信息，请在与机器人的单聊中发送。"
            audit.record(session, now, member.userid, f"refused:{route.words[0]}", comment=message)
            return Reply(message, command=route.words[0], outcome="refused")
        if command.several > 1:  # after the role checks: one who may not use it hears that first
            return Reply(one_command_only(route.words[0], command.several), command=route.words[0],
                         outcome="invalid")
        if route.takes_number and msg.quoted:
            try:
                command = with_quoted_number(command, msg.quoted, route.takes_body)
            except UserError as clash:
                return Reply(clash.message, command=route.words[0], outcome="invalid")
        return self._run(route.handler, route.words[0], msg, session, member, command, now)

    def _run(self, handler: Handler, name: str, msg: Incoming, session: Session, member: Member,
             command: Command, now: datetime) -> Reply:
        """Run a handler in a savepoint: a refusal undoes its changes and is audited instead."""
        ctx = Context(session, member, self.settings, now, command, self.router, msg.in_group)
        try:
            with session.begin_nested():
                reply = handler(msg, ctx)
        except Refused as refusal:
            audit.record(session, now, member.userid, f"refused:{name}", draft_id=refusal.draft_id,
                         comment=refusal.message)
            reply = Reply(refusal.message, outcome="refused")
        except UserError as error:
            reply = Reply(error.message, outcome="invalid")
        photo = PHOTO_NOT_KEPT if name in _ARTICLE_WORDS else PHOTO_IGNORED  # 图文: its text read only
        text = f"{photo}\n{reply.text}" if msg.images and reply.text else reply.text
        # A refusal can be long too (bare 批准 lists every draft waiting): every reply fits one WeCom message.
        return Reply(paging.first_page(session, member.userid, text, now, msg), command=name, outcome=reply.outcome)


__all__ = ["Clock", "CommandEngine", "UserError", "utc_now"]
