"""The command engine: dedupe, normalise, route, check the member and role, one transaction."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import paging
from bot.config import Settings
from bot.db import insert_if_new
from bot.domain import audit, drafts, members
from bot.domain.errors import Refused, UserError
from bot.messages import Incoming, Reply
from bot.text import (
    QUOTED_NUMBER,
    URL,
    command_line,
    leading_draft_number,
    one_line,
    small_number,
    to_half_width,
    without_links,
    xml_safe,
)
from models import Draft, InboundMessage, Member, Role
from models.base import table

log = logging.getLogger(__name__)


Clock = Callable[[], datetime]
# The statements every message runs, built once.
INBOUND_TABLE = table(InboundMessage)
STORED_REPLY = select(INBOUND_TABLE.c.reply).where(INBOUND_TABLE.c.key == bindparam("message_key"))
STORE_REPLY = update(INBOUND_TABLE).where(INBOUND_TABLE.c.key == bindparam("message_key"))
RECENT_MESSAGES = select(func.count()).select_from(INBOUND_TABLE).where(
    INBOUND_TABLE.c.userid == bindparam("userid"), INBOUND_TABLE.c.received_at > bindparam("since"))


_AFTER_WORD = " :,;、"  # the first line is half-width already: ：，； are :,;
# A friendly emoji at the end of a command's line, as WeCom's code ([强], [微笑]) or as a character (👍): a
# gesture, no argument (「批准[强]」 approves, 「稿件 [微笑]」 lists). Only these: 「批准[疑问]」, 「批准 👎」 still
# approve nothing, and a word in brackets ([头版], [南方网]) is an argument.
_FRIENDLY_CODES = ("强", "OK", "好的", "胜利", "握手", "抱拳", "鼓掌", "微笑", "愉快", "呲牙", "憨笑", "玫瑰", "爱心",
                   "加油", "庆祝", "耶", "666", "赞", "太阳", "咖啡")
_FRIENDLY = "👍👌✌🙏👏😊🙂😀😃😄😁☺🌹❤💪🎉✅☀☕🌞"
_EMOJI_TAIL = re.compile(rf"(?:\s*(?:\[(?:{'|'.join(_FRIENDLY_CODES)})\]|[{_FRIENDLY}]\uFE0F?))+$")
_ADMIN_ONLY = frozenset({Role.admin})
SYSTEM_SENDER = "sys"  # the FromUserName of WeCom's own events (通讯录变更); members come from `members sync`
PHOTO_NOT_KEPT = "图片没有保存。配图请插入 Word 文档（.docx），随稿件发给我，投递时会一并发给媒体。"


def one_command_only(word: str, count: int) -> str:
    """The refusal of a message that carries `count` commands `word`: none of them was run."""
    return f"一条消息只能发一条「{word}」命令，这条有 {count} 条，都没有执行。请分开发送，一条消息一条命令。"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Command:
    """A parsed command: its word, the normalised and raw arguments, and the lines below it."""

    word: str
    args: str
    raw_args: str
    body: str
    several: int = 1  # lines that begin with this command's word: more than one is several commands


@dataclass
class Context:
    """Everything a handler may use. Handlers never commit: the engine owns the transaction."""

    session: Session
    member: Member
    settings: Settings
    now: datetime
    command: Command
    router: Router
    in_group: bool = False  # said in the work group: replies must not carry a draft's text

    @property
    def today(self) -> date:
        """Today in the office's zone (on a server in UTC, 1 January begins at 08:00)."""
        return self.now.astimezone(self.settings.zone).date()


Handler = Callable[[Incoming, Context], Reply]


@dataclass(frozen=True)
class Route:
    words: tuple[str, ...]
    handler: Handler
    roles: frozenset[Role]  # empty: everyone
    takes_body: bool  # an article follows on the lines below (the terminal chat reads it up to 「发送」)
    takes_number: bool  # acts on a draft: in the group, a quoted `#N` stands in for a missing one
    takes_lines: bool = False  # the lines below are its text too, kept as lines (线索, 学习 设置)
    number_only: bool = False  # the draft's number is all it takes (撤回, 送审)

    @property
    def keeps_lines(self) -> bool:
        return self.takes_body or self.takes_lines

    @property
    def usage(self) -> str:
        """The handler docstring: first line `syntax — what it does`, then `例：…` lines."""
        return (self.handler.__doc__ or self.words[0]).strip()

    def allows(self, member: Member) -> bool:
        return not self.roles or any(member.may(role) for role in self.roles)


@dataclass
class Router:
    """Command words → handlers, in registration order (which is also the order of 帮助)."""

    routes: list[Route] = field(default_factory=list)
    events: dict[str, Handler] = field(default_factory=dict)
    kinds: dict[str, Handler] = field(default_factory=dict)  # non-text messages: file, image, …
    near: dict[str, str] = field(default_factory=dict)  # a word people use for a command → the command's word
    _by_word: dict[str, Route] = field(default_factory=dict)

    def command(self, *words: str, roles: set[Role] | None = None, takes_body: bool = False,
                takes_number: bool = False, takes_lines: bool = False, number_only: bool = False,
                near: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
        """Register a handler for `words`; `near` words (「同意」 for 批准) are only ever suggested, never run."""
        def register(handler: Handler) -> Handler:
            self.add(Route(words, handler, frozenset(roles or ()), takes_body, takes_number or number_only,
                           takes_lines, number_only))
            self.near |= dict.fromkeys(near, words[0])
            return handler
        return register

    def event(self, name: str) -> Callable[[Handler], Handler]:
        """Register the handler of a WeCom event (enter_agent, template_card_event, …)."""
        def register(handler: Handler) -> Handler:
            self.events[name] = handler
            return handler
        return register

    def kind(self, name: str) -> Callable[[Handler], Handler]:
        """Register the handler of a non-text message type (file, …)."""
        def register(handler: Handler) -> Handler:
            self.kinds[name] = handler
            return handler
        return register

    def add(self, route: Route) -> None:
        for word in route.words:
            if word.lower() in self._by_word:
                raise ValueError(f"command word {word!r} registered twice")
            self._by_word[word.lower()] = route
        self.routes.append(route)

    def include(self, other: Router) -> None:
        for route in other.routes:
            self.add(route)
        self.events |= other.events
        self.kinds |= other.kinds
        self.near |= other.near

    def match(self, text: str) -> tuple[Route, Command] | None:
        """Find the route for a message; `稿件#12` works as well as `稿件 #12`."""
        line, raw_line, body = command_line(text)
        word = self._word(line)
        if word is None:
            return None
        route, several = self._by_word[word.lower()], 1
        if body and not route.keeps_lines:  # 「批准⏎不行，数据有误」 is 「批准 不行，数据有误」: no word goes unread
            lines = [part.strip() for part in text.splitlines() if part.strip()]
            # 「退回 #1 …⏎退回#2 …」: a line below that begins with the command again is a command of its own.
            several = sum(self._route(command_line(part)[0]) is route for part in lines)
            line, raw_line, body = command_line(" ".join(lines))
        elif body and route.takes_body:  # 「投稿 乙⏎正文⏎投稿 丙⏎正文」: a line of the article beginning with the
            # command is a second one (the lines below 线索, 日程 and 培训 are read by their handlers)
            again = re.compile(rf"(?:{'|'.join(map(re.escape, route.words))})(?:[\s#＃]|$)", re.IGNORECASE)
            several += sum(1 for part in body.splitlines() if again.match(part.strip()))
        # 「稿件：#3」「线索，…」: a separator after the command word is no part of its arguments.
        start = len(line) - len(line[len(word):].lstrip(_AFTER_WORD))
        args, raw_args = line[start:].strip(), raw_line[start:].strip()
        if not route.keeps_lines and (emoji := _EMOJI_TAIL.search(args)):  # not a title's or a lead's own
            args, raw_args = args[:emoji.start()], raw_args[:emoji.start()]
        if args in ("。", ".", "!"):  # 「稿件。」「帮助！」: a full stop is no argument (「批准？」「批准...」 are)
            args = raw_args = ""
        elif args.endswith("。") and (body.strip() or not route.takes_body):
            # 「积分 2026。」「稿件 #1 全文。」: nor is the one that ends the sentence (but 「投稿《标题》正文。」, a
            # draft on one line, ends its article with it)
            args, raw_args = args.rstrip("。").rstrip(), raw_args.rstrip("。").rstrip()
        return route, Command(word, args, raw_args, body, several)

    def suggestion(self, line: str) -> str | None:
        """What a line that is no command likely meant, as a command that works when typed: 「同意 #2」 →
        「批准 #2」, 「投 稿 标题」 → 「投稿 标题」, 「撤稿 #1 不要了」 → 「撤回 #1」, 「同意，可以发」 → 「批准」."""
        meant = self._meant(_EMOJI_TAIL.sub("", line))
        if meant is None:
            return None
        word, rest = meant[0], meant[1].strip(" ,:")
        route = self._by_word[word.lower()]
        if not (route.takes_number and rest):
            return f"{word} {rest}".strip()
        found = leading_draft_number(rest)
        if found is None:
            return word  # which draft, the command itself asks
        number, end = found
        return f"{word} #{number}" + ("" if route.number_only else f" {rest[end:]}".rstrip())

    def takes_number(self, line: str) -> bool:
        route = self._route(line)
        return route is not None and route.takes_number

    def _meant(self, line: str) -> tuple[str, str] | None:
        """A command word written with blanks inside (「投 稿」), or a near word: the word and the rest."""
        for word in self._by_word:
            spaced = None if word.isascii() else re.match(r"\s*".join(map(re.escape, word)), line)
            if spaced is not None:
                return word, line[spaced.end():]
        near = max((word for word in self.near if re.match(rf"{re.escape(word)}(?=$|[\s#\d,:，：。])", line)),
                   key=len, default=None)
        return None if near is None else (self.near[near], line[len(near):])

    def _word(self, line: str) -> str | None:
        first = line.split(" ", 1)[0]
        return first if first.lower() in self._by_word else self._longest_prefix(line)

    def _route(self, line: str) -> Route | None:
        word = self._word(line)
        return None if word is None else self._by_word[word.lower()]

    def _longest_prefix(self, line: str) -> str | None:
        candidates = [word for word in self._by_word if line.lower().startswith(word)]
        # Only CJK command words glue to their argument; "helpme" is not "help".
        candidates = [word for word in candidates if not word.isascii()]
        return max(candidates, key=len) if candidates else None


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
            return Reply("抱歉，处理这条消息时出错了，没有做任何修改。请稍后再试；如果一直出错，请联系管理员。",
                         outcome="error")

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
            return Reply(unknown_command_hint(msg.text, self.router, msg.quoted, returned,
                                              member.may(Role.correspondent)), outcome="unknown_command")
        route, command = matched
        if not route.allows(member):
            message = members.role_refusal(session, member, route.roles, route.words[0])
            audit.record(session, now, member.userid, f"refused:{route.words[0]}", comment=message)
            return Reply(message, command=route.words[0], outcome="refused")
        if msg.in_group and route.roles == _ADMIN_ONLY:  # 成员, 日程: their replies are the office's own business
            return Reply(f"「{route.words[0]}」是管理命令，回复含内部信息，请在与机器人的单聊中发送。",
                         command=route.words[0], outcome="refused")
        if command.several > 1:  # after the role checks: one who may not use it hears that first
            return Reply(one_command_only(route.words[0], command.several), command=route.words[0],
                         outcome="invalid")
        if route.takes_number and msg.quoted:
            try:
                command = with_quoted_number(command, msg.quoted)
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
        text = f"{PHOTO_NOT_KEPT}\n{reply.text}" if msg.images and reply.text else reply.text  # 图文: text read only
        # A refusal can be long too (bare 批准 lists every draft waiting): every reply fits one WeCom message.
        return Reply(paging.first_page(session, member.userid, text, now, msg), command=name, outcome=reply.outcome)


# A draft named in words, as people write it: 3号稿件, 三号稿, 第3篇, 第三篇, 稿件3. Not a number that names
# something else: 15号前, 10号文件, 改稿3次, 已发2篇.
_NUMBER = r"([0-9]{1,9}|[零〇一二两三四五六七八九十百]{1,6})"
DRAFT_IN_WORDS = re.compile(rf"{_NUMBER}\s*号\s*稿|第\s*{_NUMBER}\s*篇"
                            r"|稿件\s*([0-9]{1,9})(?![0-9])(?!\s*[年月日号次篇字人张条份个期版])")


def drafts_in_words(text: str) -> list[tuple[str, int]]:
    """The drafts `text` names in words: (the words, the number)."""
    return [(found.group().strip(), small_number(next(filter(None, found.groups()))))
            for found in DRAFT_IN_WORDS.finditer(to_half_width(without_links(text)))]


def with_quoted_number(command: Command, quoted: str) -> Command:
    """`批准` quoting a message about #12 → `批准 #12`.

    A number in the message itself wins; a quote naming several drafts names none (no guessing)."""
    quoted_number = quoted_draft(quoted)
    if quoted_number is None or leading_draft_number(command.args) is not None or "#" in without_links(command.args):
        return command
    # 「批准 3号稿件」 quoting #1's notice: the words name another draft, and neither may be guessed.
    for words, named in drafts_in_words(command.args):
        if named != int(quoted_number):
            raise UserError(f"您引用的是稿件 #{quoted_number} 的消息，但这条写的是「{words}」，"
                            f"没有执行。请写明编号重发，例如「{command.word} #{quoted_number}」。")
    number = f"#{quoted_number}"
    return replace(command, args=f"{number} {command.args}".strip(), raw_args=f"{number} {command.raw_args}".strip())


def quoted_draft(quoted: str) -> str | None:
    """The one draft number a quoted message names: as #12, else in words (「3号稿已改好」); None for none or
    several. A #12 wins over words, which may count or order something else (「荔枝系列第二篇」)."""
    # Links blanked before full-width forms go: a link ends at 「，」, which would become ",".
    numbers = {int(n) for n in QUOTED_NUMBER.findall(to_half_width(without_links(one_line(quoted))))}
    numbers = numbers or {named for _, named in drafts_in_words(one_line(quoted))}
    return str(numbers.pop()) if len(numbers) == 1 else None


def unknown_command_hint(text: str, router: Router, quoted: str = "", returned: Sequence[Draft] = (),
                         writes: bool = True) -> str:
    """What to send instead; `returned`, the member's drafts returned to them, which their words may be about
    (「已改」, the corrected text pasted without 「修改 #1」); `writes`, whether they may 投稿."""
    line, raw, _ = command_line(text)
    if not line:
        return "请输入命令，例如「稿件」。发送「帮助」查看全部命令。"
    shown = raw if len(raw) <= 20 else raw[:20] + "…"  # as typed
    meant = router.suggestion(line)
    if meant is not None:
        number = None if "#" in meant or drafts_in_words(line) else quoted_draft(quoted)
        if number is not None and router.takes_number(meant):  # 「同意」 quoting #3's notice: 「批准 #3」
            meant = f"{meant.split(' ', 1)[0]} #{number}"
        meant = meant if len(meant) <= 40 else meant[:40] + "…"
        return f"未能识别「{shown}」。您是要发送「{meant}」吗？请照此格式重发；发送「帮助」查看可用命令。"
    head, _, below = text.strip().partition("\n")
    title = head.strip() if len(head.strip()) <= TITLE_LIKE_CHARS and below.strip() else ""
    revised = next((draft for draft in returned if draft.title == title), None)  # its title on the first line
    to_revise = ""
    if revised is not None or len(returned) == 1:
        draft = revised or returned[0]
        to_revise = (f"您的稿件 {draft.number}《{draft.title}》已退回待修改：发送「稿件 {draft.number}」看退回意见，"
                     f"改好后发送「修改 {draft.number}」，换行写完整正文。")
    elif returned:
        to_revise = (f"您有 {len(returned)} 篇退回待修改的稿件（{'、'.join(d.number for d in returned[:5])}）："
                     "改好后发送「修改 #编号」，换行写完整正文。")
    if len(text.strip()) < ARTICLE_LIKE_CHARS:
        return f"未能识别「{shown}」。{to_revise}发送「帮助」查看可用命令。"
    # On a phone Enter sends: 「投稿 标题」 went alone, the text after it.
    title = title or "标题"
    submit = ("" if not writes or revised is not None else
              f"投稿请发送「投稿 {title}」，换行写正文（手机上可写成一行：{drafts.one_line_form(title)}）；"
              "给已投的稿件追加正文请发送「续稿 #编号」并换行写正文。")
    return f"未能识别「{shown}」，这像是稿件正文，没有保存。{submit}{to_revise}发送「帮助」查看可用命令。"


ARTICLE_LIKE_CHARS = 40  # a message this long that is no command is most likely an article's text
TITLE_LIKE_CHARS = 30  # its first line, this short with text below, most likely the article's title


__all__ = ["Clock", "Command", "CommandEngine", "Context", "Router", "UserError", "utc_now"]
