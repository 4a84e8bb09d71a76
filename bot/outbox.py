"""The transactional outbox: enqueue() in the caller's transaction; a dispatcher sends later.

A row is claimed with a lease before it is sent (and an e-mail's renewed while it is sent), so a crashed
dispatcher's rows are sent again after the lease runs out and two dispatchers never send one row at the same time.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Text, bindparam, cast, delete, exists, or_, select, union_all, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.db import insert_if_new
from bot.messages import Incoming
from bot.text import markdown_plain
from models import OutboxMessage, OutboxState
from models.base import table

log = logging.getLogger(__name__)

APP = "app"  # a WeCom app message to one member; recipient = userid
GROUP = "group"  # the work group; recipient = "" (the configured group)
GROUP_LIMIT = 2000  # bytes of one group message: appchat takes 2048, the robot 4096
AIBOT_REPLY = "aibot_reply"  # a late answer to an AI bot message, through its response_url
RESPONSE_URL_TTL = timedelta(minutes=55)  # WeCom keeps a response_url for an hour; leave a margin

LEASE = timedelta(minutes=2)
FRESH_LEASE = timedelta(seconds=5)  # a lease this young still covers a send as well as a renewed one
MAX_BACKOFF = timedelta(hours=1)
MAX_ATTEMPTS = 36  # the first 12 within about an hour, then about hourly: an overnight outage loses nothing
OUTBOX_TABLE = table(OutboxMessage)

# The dispatcher's statements, built once. A row is due when pending and due, or when its lease ran out;
# per recipient in order, a row waits while an earlier one to the same recipient is unsent.
_DUE = or_((OutboxMessage.state == OutboxState.pending) & (OutboxMessage.next_attempt_at <= bindparam("now")),
           (OutboxMessage.state == OutboxState.sending) & (OutboxMessage.lease_until < bindparam("now")))
_EARLIER = aliased(OutboxMessage)
_FIRST_IN_LINE = ~exists().where(
    _EARLIER.channel == OutboxMessage.channel, _EARLIER.recipient == OutboxMessage.recipient,
    _EARLIER.id < OutboxMessage.id, _EARLIER.state.in_((OutboxState.pending, OutboxState.sending)))
# One statement takes a batch: on PostgreSQL rows another dispatcher holds are skipped (SQLite's write lock
# already serialises), and `_DUE` again in the UPDATE leaves a row someone claimed meanwhile alone.
# Attempts count claims, so a row whose sending crashes the process still ends as a dead letter.
CLAIM = (update(OutboxMessage)
         .where(OutboxMessage.id.in_(select(OutboxMessage.id).where(_DUE, _FIRST_IN_LINE).order_by(OutboxMessage.id)
                                     .limit(bindparam("batch")).with_for_update(skip_locked=True)), _DUE)
         .values(state=OutboxState.sending, lease_until=bindparam("lease_until"), claimed_by=bindparam("claim"),
                 attempts=OutboxMessage.attempts + 1)
         .returning(OutboxMessage)
         .execution_options(synchronize_session=False))
# Only the claim holder records the outcome: after an expired lease the row is someone else's. Core: the
# ORM's update would also work out how to refresh loaded rows, and there are none here.
FINISH = update(OUTBOX_TABLE).where(OUTBOX_TABLE.c.id == bindparam("message_id"),
                                    OUTBOX_TABLE.c.claimed_by == bindparam("claim"))


def text(content: str) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": within_a_message(content)}}


WECOM_TEXT_BYTES = 2048  # what WeCom shows of a text message: it cuts the rest off its end
_CUT = "……"


def within_a_message(content: str) -> str:
    """`content` within WeCom's 2048 bytes. Past them WeCom cuts the end, where the command to send usually is
    (「修改后请发送「修改 #1」」), so the longest line — a member's comment, a title — loses its middle instead."""
    excess = len(content.encode()) - WECOM_TEXT_BYTES
    if excess <= 0:
        return content
    lines = content.split("\n")
    longest = max(range(len(lines)), key=lambda n: len(lines[n].encode()))
    line, low, high = lines[longest], 0, len(lines[longest])
    while low < high:  # the fewest characters taken from the line's middle that make the whole fit
        middle = (low + high) // 2
        if len(line.encode()) - len(_without_middle(line, middle).encode()) >= excess:
            high = middle
        else:
            low = middle + 1
    lines[longest] = _without_middle(line, low)
    shortened = "\n".join(lines)
    # Many short lines, none long enough to give way: cut at the end, as WeCom would, on a character's boundary.
    return shortened if len(shortened.encode()) <= WECOM_TEXT_BYTES else \
        shortened.encode()[:WECOM_TEXT_BYTES].decode(errors="ignore")


def _without_middle(line: str, count: int) -> str:
    """`line` less `count` characters from its middle, marked 「……」."""
    keep = len(line) - count
    return line[:(keep + 1) // 2] + _CUT + line[len(line) - keep // 2:] if count else line


def template_card(card: dict[str, Any], fallback: str) -> dict[str, Any]:
    """A WeCom template card; `fallback` is what local mode prints (and what a text-only channel sends)."""
    return {"msgtype": "template_card", "template_card": card, "fallback": fallback}


def enqueue(session: Session, *, channel: str, recipient: str, payload: dict[str, Any], dedupe_key: str,
            now: datetime) -> int:
    """Queue one message (returns 1); a second message with the same dedupe key is dropped (returns 0)."""
    if channel in (APP, AIBOT_REPLY):  # a late answer whose response_url expired goes as an app message
        payload = _told_again(session, recipient, payload, now)
    return int(insert_if_new(session, OUTBOX_TABLE, {
        "channel": channel, "recipient": recipient, "payload": payload, "dedupe_key": dedupe_key,
        "state": OutboxState.pending, "attempts": 0, "next_attempt_at": now, "created_at": now}, "dedupe_key"))


# WeCom drops an app message identical to one the member got in the last 30 minutes (WeComClient.send_message
# asks for that check: a retry of a row sent before a crash must not arrive twice).
DUPLICATE_CHECK = timedelta(seconds=1800)
_AGAIN = re.compile(r"\n（第\d+次通知）$")
# The rows that may be sent within 30 minutes of this one: still to go (WeCom may be down for longer), or sent
# lately; two parts, each a range of its index (with OR, all the member was ever sent: 33,000 rows of an editor at
# 1,000,000 drafts). Only those whose stored JSON holds the words are decoded.
_TO = (OUTBOX_TABLE.c.channel.in_((APP, AIBOT_REPLY)), OUTBOX_TABLE.c.recipient == bindparam("recipient"),
       cast(OUTBOX_TABLE.c.payload, Text).like(bindparam("words"), escape="/"))
_SAME_WORDS_TO = union_all(
    select(OUTBOX_TABLE.c.payload).where(*_TO, OUTBOX_TABLE.c.state.in_((OutboxState.pending, OutboxState.sending))),
    select(OUTBOX_TABLE.c.payload).where(*_TO, OUTBOX_TABLE.c.sent_at > bindparam("since"),
                                         OUTBOX_TABLE.c.state.not_in((OutboxState.pending, OutboxState.sending))))


def _told_again(session: Session, recipient: str, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    """`payload`, numbered when the same words went to the same member within WeCom's duplicate check: a
    second 投递 failing, a second 退回 with the same reason are news, and WeCom would drop them."""
    kind = payload.get("msgtype")
    if kind not in ("text", "markdown"):
        return payload
    spelt = json.dumps(payload[kind]["content"])[1:-1]  # as the stored JSON spells them
    words = "%" + spelt.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    before = session.scalars(_SAME_WORDS_TO, {"recipient": recipient, "since": now - DUPLICATE_CHECK,
                                              "words": words}).all()
    same = sum(_words(earlier) == (kind, payload[kind]["content"]) for earlier in before)
    if not same:
        return payload
    content = f"{payload[kind]['content']}\n（第{same + 1}次通知）"
    return {**payload, kind: {**payload[kind], "content": content}}


def _words(payload: dict[str, Any]) -> tuple[str, str] | None:
    """What WeCom compares of a message to one member, unnumbered: its kind and its words."""
    kind = payload.get("msgtype")
    if kind not in ("text", "markdown"):
        return None
    return kind, _AGAIN.sub("", payload[kind]["content"])


def notify(session: Session, userids: Iterable[str], message: str | dict[str, Any], dedupe_key: str,
           now: datetime) -> int:
    """A text (or a ready payload) to each member in `userids`, one row each (dedupe per recipient); returns
    how many rows were queued."""
    payload = text(message) if isinstance(message, str) else message
    return sum(enqueue(session, channel=APP, recipient=userid, payload=payload,
                       dedupe_key=f"{dedupe_key}:{userid}", now=now) for userid in dict.fromkeys(userids))


def reply_route(msg: Incoming, now: datetime) -> dict[str, Any] | None:
    """Where a late answer to `msg` goes: its AI bot response_url while valid; None for an app message."""
    if not msg.response_url:
        return None
    return {"response_url": msg.response_url, "expires_at": (now + RESPONSE_URL_TTL).isoformat(),
            "group": msg.in_group}


def reply(session: Session, userid: str, route: dict[str, Any] | None, content: str, dedupe_key: str,
          now: datetime) -> None:
    """A late answer to a member, the way their message came in (see reply_route)."""
    if route is None:
        notify(session, [userid], content, dedupe_key, now)
        return
    # Markdown: a title taken from a member's file must not become a link in the bot's answer.
    enqueue(session, channel=AIBOT_REPLY, recipient=userid,
            payload={"msgtype": "markdown", "markdown": {"content": markdown_plain(content)}, **route},
            dedupe_key=f"{dedupe_key}:{userid}", now=now)


def group_posts(session: Session, prefixes: Iterable[str], since: datetime | None = None) -> list[str]:
    """The keys of the group's posts that begin with one of `prefixes` (queued since `since`), newest first: what
    the group has been told, as the keys name it (`published:12:3:…`, `meeting:2026-06-26:3`)."""
    query = select(OutboxMessage.dedupe_key).where(
        OutboxMessage.channel == GROUP, or_(*(OutboxMessage.dedupe_key.like(f"{prefix}%") for prefix in prefixes)))
    if since is not None:
        query = query.where(OutboxMessage.created_at >= since)
    return list(session.scalars(query.order_by(OutboxMessage.id.desc())))


def to_group(session: Session, key: str, lines: list[str], now: datetime, more: str = "", parts: int = 1) -> int:
    """Markdown to the group in up to `parts` messages, each cut to what every group channel accepts. The lines
    carry titles, names and leads as members wrote them: only the bold heading and a leading "> " stay markdown."""
    contents = split([_quoted(line) for line in lines], more, parts)
    return sum(enqueue(session, channel=GROUP, recipient="", dedupe_key=f"{key}:{n}" if n else key,
                       payload={"msgtype": "markdown", "markdown": {"content": content}}, now=now)
               for n, content in enumerate(contents))


_HEADING = re.compile(r"\*\*([^*\n]+)\*\*")  # 「**宣传工作例会通知**」 at a line's start: bold, as the bot wrote it


def _quoted(line: str) -> str:
    prefix = "> " if line.startswith("> ") else ""
    heading = _HEADING.match(line, len(prefix))
    if heading is None:
        return prefix + markdown_plain(line[len(prefix):])
    return f"{prefix}**{markdown_plain(heading.group(1))}**{markdown_plain(line[heading.end():])}"


def split(lines: list[str], more: str, parts: int) -> list[str]:
    """The lines in up to `parts` messages of whole lines, each after the first marked 「（续上条）」; the last ends
    with `more` (where to read the rest) if lines were left out."""
    messages: list[str] = []
    while lines or not messages:
        kept = ["（续上条）"] if messages else []
        last = len(messages) + 1 >= parts
        for line in lines:
            if len("\n".join([*kept, line, more if last else ""]).encode()) > GROUP_LIMIT:
                break
            kept.append(line)
        taken = len(kept) - bool(messages)
        lines = lines[taken:]
        if lines and (last or not taken):  # no more messages, or a line too long for one: cut here
            messages.append("\n".join([*kept, more or "……"]))
            break
        messages.append("\n".join(kept))
    return messages


def broadcast(session: Session, userids: Iterable[str], message: str | dict[str, Any], dedupe_key: str,
              now: datetime) -> None:
    """One row for many members: the transport sends it with as few calls as WeCom allows."""
    recipients = list(dict.fromkeys(userids))
    if not recipients:
        return
    payload = {**(text(message) if isinstance(message, str) else message), "touser": recipients}
    enqueue(session, channel=APP, recipient=f"{len(recipients)} 人", payload=payload, dedupe_key=dedupe_key, now=now)


def retry(session: Session, message_ids: Iterable[int] | None, now: datetime) -> int:
    """Put dead rows (all of them when `message_ids` is None) back in the queue, due now.

    Only dead rows: a sent row would go out twice, and a row being sent belongs to its dispatcher
    (it comes back by itself when its lease runs out)."""
    query = update(OutboxMessage).where(OutboxMessage.state == OutboxState.dead)
    if message_ids is not None:
        query = query.where(OutboxMessage.id.in_(list(message_ids)))
    result = session.execute(query.values(state=OutboxState.pending, next_attempt_at=now, attempts=0,
                                          lease_until=None, claimed_by=None))
    return int(result.rowcount)  # type: ignore[attr-defined]


# Sent rows this recent still keep a message from going out twice: a theme-day call is looked for on every
# run in the days before the theme day, and a month's study reminder whenever its items are set.
KEEP_SENT_DAYS = 31


def purge_sent(session: Session, older_than: datetime) -> int:
    """Delete sent rows older than `older_than`; pending and dead rows are kept."""
    result = session.execute(delete(OutboxMessage).where(OutboxMessage.state == OutboxState.sent,
                                                         OutboxMessage.sent_at < older_than))
    return int(result.rowcount)  # type: ignore[attr-defined]


class RetryLater(Exception):
    """The send failed for now (network, busy, rate limit); `delay` overrides the backoff.

    A wait for a rate limit is no failure (`counts=False`): it does not bring the row closer to dead."""

    def __init__(self, reason: str, delay: timedelta | None = None, counts: bool = True) -> None:
        super().__init__(reason)
        self.delay = delay
        self.counts = counts


class Undeliverable(Exception):
    """The send can never succeed (bad recipient, bad configuration): dead-letter it."""


class Transport(Protocol):
    def send(self, message: OutboxMessage) -> None:
        """Deliver or raise RetryLater / Undeliverable, within a timeout well under LEASE; a transport whose
        sends have no such bound says so with `outlasts_lease = True`, and keeps its lease while it sends. One
        whose sends must never be repeated (nothing downstream drops a second copy) names, as `not_repeatable`,
        the reason a row is given up when an earlier attempt may have sent it."""


# The last_error of a row handed to a transport that is `not_repeatable`, until its outcome is recorded: found on a
# row claimed again (its dispatcher died, or lost its lease, in the middle of sending), the send may have gone.
HANDED_OVER = "发送中（结果尚未记录）"


DeadLetterHook = Callable[[Session, OutboxMessage, str, datetime], None]


class LocalTransport:
    """Local mode: print the message and count it as sent (it stays stored in the outbox)."""

    def __init__(self, write: Callable[[str], None] = print) -> None:
        self._write = write

    def send(self, message: OutboxMessage) -> None:
        self._write(f"[本地模式·未发送] {describe(message)}")


def describe(message: OutboxMessage) -> str:
    if message.channel == "mail":
        return f"投稿邮件（投递记录 {message.payload.get('submission_id')}）发往 {message.recipient}"
    if message.channel == "file":
        name = message.payload.get("filename") or "未命名文件"
        return f"{message.recipient} 发来的文件「{name}」（读取为稿件）"
    if message.channel == "export":
        return f"发给 {message.recipient} 的文件（{_EXPORTS.get(str(message.payload.get('kind')), '文件')}）"
    target = f"发给 {message.recipient}" if message.channel in (APP, AIBOT_REPLY) else f"发到 {message.channel}"
    payload = message.payload
    body = (payload.get("fallback") or payload.get("text", {}).get("content")
            or payload.get("markdown", {}).get("content") or payload)
    return f"{target}：{body}"


_EXPORTS = {"rewards": "用稿奖励表", "monthly": "月度统计表", "summary": "年度总结数据", "form": "审批表"}


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: about 2 s, 4 s, 8 s … capped at an hour."""
    ceiling = min(MAX_BACKOFF.total_seconds(), 2.0 ** attempts)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


class Dispatcher:
    """Claims due rows, hands each to its channel's transport, records the outcome."""

    def __init__(self, sessions: sessionmaker[Session], transports: Mapping[str, Transport],
                 clock: Callable[[], datetime], batch: int = 50, on_dead: DeadLetterHook | None = None,
                 renew_every: timedelta = LEASE / 4) -> None:
        self._sessions = sessions
        self._transports = transports
        self._clock = clock
        self._batch = batch
        self._on_dead = on_dead
        self._renew_every = renew_every
        self._worker = uuid.uuid4().hex

    def run_once(self) -> int:
        """Send what is due now; returns how many rows were handled."""
        claimed = self._claim()
        for message in claimed:
            if self._still_ours(message):
                self._deliver(message)
            else:
                log.warning("outbox %s: lease lost before sending; another dispatcher has it", message.id)
        return len(claimed)

    def _claim(self) -> list[OutboxMessage]:
        now = self._clock()
        claim = f"{self._worker}:{uuid.uuid4().hex[:16]}"
        with self._sessions.begin() as session:
            claimed = session.scalars(CLAIM, {"now": now, "batch": self._batch, "claim": claim,
                                              "lease_until": now + LEASE})
            return sorted(claimed, key=lambda message: message.id)  # RETURNING keeps no order

    def _still_ours(self, message: OutboxMessage) -> bool:
        """Renew the lease just before sending: a batch slower than the lease must not send twice.

        A lease taken moments ago is left as it is, which saves a transaction per row of a quick batch; a row
        that must never be sent twice is marked as handed over in the same transaction, whatever its lease."""
        once = bool(getattr(self._transports.get(message.channel), "not_repeatable", ""))
        if not once and message.lease_until is not None and message.lease_until - self._clock() > LEASE - FRESH_LEASE:
            return True
        return self._renew(message, handing_over=once)

    def _renew(self, message: OutboxMessage, handing_over: bool = False) -> bool:
        with self._sessions.begin() as session:
            renewed = session.execute(update(OutboxMessage).where(
                OutboxMessage.id == message.id, OutboxMessage.claimed_by == message.claimed_by,
                OutboxMessage.state == OutboxState.sending,  # still our claim: nobody took it since, even if late
            ).values(lease_until=self._clock() + LEASE, **({"last_error": HANDED_OVER} if handing_over else {})))
            return bool(renewed.rowcount == 1)  # type: ignore[attr-defined]

    @contextmanager
    def _renewing(self, message: OutboxMessage) -> Iterator[None]:
        """Keep the lease while a send runs: a large e-mail on a slow line can outlast it, and another
        dispatcher taking the row would call it lost (and the editor, told so, would send it twice)."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self._renew_every.total_seconds()):
                try:
                    if not self._renew(message):
                        return
                except Exception:  # the database away for a moment: try again at the next beat
                    log.exception("outbox %s: renewing the lease failed", message.id)

        beat = threading.Thread(target=renew, name=f"outbox-lease-{message.id}", daemon=True)
        beat.start()
        try:
            yield
        finally:
            done.set()
            beat.join()

    def _deliver(self, message: OutboxMessage) -> None:
        transport = self._transports.get(message.channel)
        try:
            if message.attempts > MAX_ATTEMPTS:
                raise Undeliverable(f"已尝试 {MAX_ATTEMPTS} 次仍未发出（发送进程每次都在发送中途退出）")
            if transport is None:
                raise Undeliverable(f"没有「{message.channel}」通道的发送方式（本版本不支持，请联系系统运维人员）")
            if message.last_error == HANDED_OVER and (once := getattr(transport, "not_repeatable", "")):
                raise Undeliverable(once)  # an attempt before this claim may have sent it, and never said
            with self._renewing(message) if getattr(transport, "outlasts_lease", False) else nullcontext():
                transport.send(message)
        except RetryLater as exc:
            if exc.counts:  # a wait for a rate limit is no failure; anything else an operator may need to see
                log.warning("outbox %s (%s) attempt %d/%d failed, will retry: %s", message.id, message.channel,
                            message.attempts, MAX_ATTEMPTS, exc)
            self._finish(message, error=str(exc), delay=exc.delay or backoff(message.attempts), counts=exc.counts)
        except Undeliverable as exc:
            self._finish(message, error=str(exc), dead=True)
        except Exception as exc:  # an unexpected bug must not kill the dispatcher or lose the row
            log.exception("outbox %s: unexpected error", message.id)
            self._finish(message, error=f"{type(exc).__name__}: {exc}", delay=backoff(message.attempts))
        else:
            self._finish(message)

    def _finish(self, message: OutboxMessage, *, error: str | None = None, delay: timedelta | None = None,
                dead: bool = False, counts: bool = True) -> None:
        now = self._clock()
        values: dict[str, Any] = {"lease_until": None, "last_error": error}
        if not counts:
            values["attempts"] = message.attempts - 1
        if error is None:
            values |= {"state": OutboxState.sent, "sent_at": now}
        elif dead or (counts and message.attempts >= MAX_ATTEMPTS):  # a wait for a rate limit is no attempt
            values |= {"state": OutboxState.dead}
            log.error("outbox %s dead after %d attempts: %s", message.id, message.attempts, error)
        else:
            values |= {"state": OutboxState.pending, "next_attempt_at": now + (delay or backoff(message.attempts))}
        with self._sessions.begin() as session:
            result = session.execute(FINISH, {"message_id": message.id, "claim": message.claimed_by, **values})
            if result.rowcount != 1:  # type: ignore[attr-defined]
                log.warning("outbox %s: lease lost while sending; outcome not recorded", message.id)
            elif values["state"] == OutboxState.dead and self._on_dead is not None:
                self._on_dead(session, message, error or "", now)


FAILING_TOLD_EVERY = 60.0  # seconds between the lines of a dispatcher that keeps failing


class DispatcherThread:
    """Runs a Dispatcher in a background thread until stopped."""

    def __init__(self, dispatcher: Dispatcher, interval: float) -> None:
        self._dispatcher = dispatcher
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox-dispatcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        failed, kind, told = 0, "", 0.0  # a run of failed passes (the database down): one traceback, not one a poll
        while not self._stop.is_set():
            try:
                busy = self._dispatcher.run_once()
            except Exception as exc:
                busy, failed = 0, failed + 1
                if type(exc).__name__ != kind:
                    kind, told = type(exc).__name__, time.monotonic()
                    log.exception("outbox dispatcher pass failed")
                elif time.monotonic() - told >= FAILING_TOLD_EVERY:
                    told = time.monotonic()
                    log.error("outbox dispatcher still failing (%d passes): %s", failed, kind)
            else:
                if failed:
                    log.info("outbox dispatcher recovered after %d failed passes", failed)
                failed, kind = 0, ""
            if not busy:
                self._stop.wait(self._interval)


def newest(session: Session, limit: int, state: OutboxState | None = None) -> list[OutboxMessage]:
    """The newest `limit` messages (of one state); without a state, every dead letter as well, however old:
    they are what an operator looks for, and a few days' traffic would hide them."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    rows = list(session.scalars((query if state is None else query.where(OutboxMessage.state == state)).limit(limit)))
    if state is None and rows:
        rows += session.scalars(query.where(OutboxMessage.state == OutboxState.dead, OutboxMessage.id < rows[-1].id))
    return rows
