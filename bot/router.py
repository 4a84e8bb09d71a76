"""Command words and their handlers: parsing a message into a command and finding its route."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.messages import Incoming, Reply
from bot.text import command_line, leading_draft_number
from models import Member, Role

_AFTER_WORD = " :,;、—"  # the first line is half-width already: ：，； are :,; (not "-": 「撤回 -1」 is no #1)
# A friendly emoji at the end of a command's line, as WeCom's code ([强], [微笑]) or as a character (👍): a
# gesture, no argument (「批准[强]」 approves, 「稿件 [微笑]」 lists). Only these: 「批准[疑问]」, 「批准 👎」 still
# approve nothing, and a word in brackets ([头版], [南方网]) is an argument.
_FRIENDLY_CODES = ("强", "OK", "好的", "胜利", "握手", "抱拳", "鼓掌", "微笑", "愉快", "呲牙", "憨笑", "玫瑰", "爱心",
                   "加油", "庆祝", "耶", "666", "赞", "太阳", "咖啡")
_FRIENDLY = "👍👌✌🙏👏😊🙂😀😃😄😁☺🌹❤💪🎉✅☀☕🌞"
_FRIENDLY_TAGS = tuple(f"[{code}]" for code in _FRIENDLY_CODES)


def emoji_tail(text: str) -> int:
    """Where the friendly emoji that end `text` begin, with the blanks before each (len(text): none). Read from
    the end, not by a pattern searched at every position, which a line of 60,000 blanks would make quadratic."""
    start = end = len(text)
    while True:
        end -= text.endswith("\uFE0F", 0, end)  # an emoji's presentation selector
        if end and text[end - 1] in _FRIENDLY:
            end -= 1
        elif tag := next((tag for tag in _FRIENDLY_TAGS if text.endswith(tag, 0, end)), None):
            end -= len(tag)
        else:
            return start
        while end and text[end - 1].isspace():
            end -= 1
        start = end


def one_command_only(word: str, count: int) -> str:
    """The refusal of a message that carries `count` commands `word`: none of them was run."""
    return f"一条消息只能发一条「{word}」命令，这条有 {count} 条，都没有执行。请分开发送，一条消息一条命令。"


def lines_beginning_with(words: Sequence[str], body: str) -> int:
    """Lines of `body` that begin with one of the command `words` as a word: a blank, #, a colon or comma (as after
    a command) or the line's end follows it (「线索 乙」「线索：乙」 do, 「线索提供人：李明」 does not)."""
    again = re.compile(rf"(?:{'|'.join(map(re.escape, words))})(?:[\s#＃:：,，]|$)", re.IGNORECASE)
    return sum(1 for line in body.splitlines() if again.match(line.strip()))


@dataclass(frozen=True)
class Command:
    """A parsed command: its word, the normalised and raw arguments, and the lines below it."""

    word: str
    args: str
    raw_args: str
    body: str
    several: int = 1  # lines that begin with this command's word: more than one is several commands
    colon: bool = False  # the word was followed by a colon (「续稿：正文」), which the arguments lose
    number_quoted: bool = False  # its draft number came from the message it quotes (quoting.with_quoted_number)


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
            several += lines_beginning_with(route.words, body)
        # 「稿件：#3」「线索，…」: a separator after the command word is no part of its arguments.
        start = len(line) - len(line[len(word):].lstrip(_AFTER_WORD))
        colon = ":" in line[len(word):start]
        args, raw_args = line[start:].strip(), raw_line[start:].strip()
        if not route.keeps_lines:  # not a title's or a lead's own
            end = emoji_tail(args)
            args, raw_args = args[:end], raw_args[:end]
        if args in ("。", ".", "!"):  # 「稿件。」「帮助！」: a full stop is no argument (「批准？」「批准...」 are)
            args = raw_args = ""
        elif args.endswith("。") and not route.takes_body:
            # 「积分 2026。」「稿件 #1 全文。」: nor is the one that ends the sentence (but 「投稿《标题》正文。」, a
            # draft on one line, ends its article with it, and 「投稿 标题 第一句。」 shows a sentence in the title)
            args, raw_args = args.rstrip("。").rstrip(), raw_args.rstrip("。").rstrip()
        return route, Command(word, args, raw_args, body, several, colon)

    def suggestion(self, line: str) -> str | None:
        """What a line that is no command likely meant, as a command that works when typed: 「同意 #2」 →
        「批准 #2」, 「投 稿 标题」 → 「投稿 标题」, 「撤稿 #1 不要了」 → 「撤回 #1」, 「同意，可以发」 → 「批准」."""
        meant = self._meant(line[:emoji_tail(line)])
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

