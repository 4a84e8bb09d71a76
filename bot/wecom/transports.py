"""Outbox transports that really reach WeCom, and the retry policy by errcode (quality.md 11)."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox import APP, FINISH, GROUP, HANDED_OVER, RetryLater, Transport, Undeliverable
from bot.wecom.client import RATE_LIMITED, TOKEN_ERRORS, TokenRefused, WeComClient, WeComError
from models import OutboxMessage, SendWindow

log = logging.getLogger(__name__)

IP_NOT_TRUSTED = 60020
CREDENTIALS_HINT = ("企业微信拒绝了应用凭据：请检查 NEWSBOT_WECOM_CORP_ID 和 NEWSBOT_WECOM_SECRET"
                    "（应用管理 → 自建应用 → Secret），改好后消息会自动继续发送。")
IP_HINT = ("企业微信拒绝了本服务器的 IP（errcode 60020）：请在应用管理的「企业可信IP」中加入本服务器的出口 IP，"
           "或通过固定 IP 的代理访问（设置 NEWSBOT_WECOM_API_BASE_URL），改好后消息会自动继续发送。")
# What an admin does about a refusal that will not pass by itself.
REFUSAL_HINTS = {
    81013: "收件人不在应用的可见范围，请在管理后台「应用管理 → 本应用 → 可见范围」中加入该成员",
    86003: "工作群不存在，请检查 NEWSBOT_GROUP_CHAT_ID（或用 newsbot group create 建群）",
    93000: "群机器人的地址已失效（机器人被移出群或重置了地址），请更新 NEWSBOT_GROUP_WEBHOOK_KEY",
}


MAYBE_POSTED = "群消息可能已经发到群里（群消息没有去重，为免重复没有重发）"
ANSWERED_LATE = f"企业微信没有及时应答，{MAYBE_POSTED}"
CUT_SHORT = f"上次发送时发送进程中途退出（或超时被接手），{MAYBE_POSTED}"


@contextmanager
def wecom_policy(repeatable: bool = True) -> Iterator[None]:
    """Map what went wrong to the outbox's retry policy. A send that is not `repeatable` (a group post: WeCom
    checks app messages for duplicates, not those) is not sent again once WeCom may have taken it."""
    try:
        yield
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        if not repeatable and isinstance(exc, httpx.ReadTimeout) and not _asked_for_token(exc):
            raise Undeliverable(ANSWERED_LATE) from exc  # the admins are told, with the command that sends it
        raise RetryLater(f"连不上企业微信（{type(exc).__name__}），稍后重试") from exc
    except WeComError as error:
        if isinstance(error, TokenRefused) or error.errcode == IP_NOT_TRUSTED:
            # Wrong credentials, or this server's IP not trusted: every message (the admins' alarm too) would be
            # refused alike, so all wait, and go once the configuration is fixed.
            hint = IP_HINT if error.errcode == IP_NOT_TRUSTED else CREDENTIALS_HINT
            log.error("%s %s", hint, error)
            raise RetryLater(f"{hint}（{error}）", timedelta(minutes=10), counts=False) from error
        if error.errcode == -1 or error.errcode in TOKEN_ERRORS:
            raise RetryLater(f"企业微信暂时出错（{error}），稍后重试") from error
        if error.errcode in RATE_LIMITED:
            raise RetryLater(str(error), timedelta(seconds=60 + random.uniform(0, 15)), counts=False) from error
        what = REFUSAL_HINTS.get(error.errcode, "请按错误码查企业微信文档")
        raise Undeliverable(f"企业微信拒收（{error}）：{what}") from error


def _asked_for_token(exc: httpx.HTTPError) -> bool:
    """Whether the request that failed was the access token's, before anything was sent."""
    try:
        return exc.request.url.path.endswith("/gettoken")
    except RuntimeError:  # no request attached: assume the worst
        return False


def for_wecom(message: OutboxMessage) -> dict[str, Any]:
    """The payload as WeCom takes it: without our keys, a card's task_id unique per outbox row."""
    payload = {k: v for k, v in message.payload.items() if k not in ("fallback", "touser")}
    if payload.get("msgtype") == "template_card":
        card = dict(payload["template_card"])
        card["task_id"] = f"{card.get('task_id', 'card')}-{message.id}"[:128]
        payload["template_card"] = card
    return payload


class AppTransport:
    """App messages to members: one row's recipient, or its `touser` list in batches of 1000.

    WeCom silently drops what an app sends a member beyond 30 a minute or 1000 an hour, so a row waits
    until every one of its recipients has room (`member_windows`)."""

    def __init__(self, client: WeComClient, member_windows: SendWindowLimit) -> None:
        self._client, self._windows = client, member_windows

    def send(self, message: OutboxMessage) -> None:
        userids = list(message.payload.get("touser") or [message.recipient])
        wait = self._windows.take(f"member:{userid}" for userid in userids)
        if wait is not None:
            raise RetryLater("a recipient is at WeCom's limit of app messages per member", wait, counts=False)
        with wecom_policy():
            invalid = self._client.send_message(userids, for_wecom(message))
        if invalid:  # not in the app's visible range, or no such account: WeCom drops them and answers ok
            log.warning("outbox %s: WeCom called these userids invalid: %s", message.id, "|".join(invalid))


class AppChatTransport:
    """The work group as a group chat the app created (`newsbot group create`)."""

    not_repeatable = CUT_SHORT  # a group post has no duplicate check

    def __init__(self, client: WeComClient, chat_id: str) -> None:
        self._client, self._chat_id = client, chat_id

    def send(self, message: OutboxMessage) -> None:
        with wecom_policy(repeatable=False):
            self._client.send_group_chat(self._chat_id, for_wecom(message))


class WebhookTransport:
    """The work group through its group robot: at most `limit` messages in any rolling minute."""

    not_repeatable = CUT_SHORT  # a group post has no duplicate check

    def __init__(self, client: WeComClient, key: str, window: SendWindowLimit) -> None:
        self._client, self._key, self._window = client, key, window

    def send(self, message: OutboxMessage) -> None:
        wait = self._window.take(["group-robot"])
        if wait is not None:
            raise RetryLater("group robot: 20 messages a minute", wait, counts=False)
        with wecom_policy(repeatable=False):
            self._client.send_webhook(self._key, for_wecom(message))


class AiBotReplyTransport:
    """A late answer to an AI bot message: to its response_url (single use, 1 h), else by the fallback —
    the group for a group message, an app message for a 1:1 one (never a private answer in the group).

    A post handed to WeCom may have been shown, whatever follows (no answer in time, the process killed): the row
    says so before it goes (`maybe_posted`), and a retry that finds the URL used up takes it as ours, not as a
    reason to send the answer a second way. Found used up at once, another answer to the message used it: the
    fallback, from then on."""

    def __init__(self, sessions: sessionmaker[Session], http: httpx.Client, app: Transport, group: Transport,
                 clock: Callable[[], datetime]) -> None:
        self._sessions, self._http, self._app, self._group, self._clock = sessions, http, app, group, clock

    def send(self, message: OutboxMessage) -> None:
        payload = message.payload
        body = {"msgtype": "markdown", "markdown": payload["markdown"]}
        if self._clock() < datetime.fromisoformat(payload["expires_at"]):
            earlier = payload.get("maybe_posted")  # an attempt before this one handed it to WeCom
            if not earlier:
                self._note(message, maybe_posted=True)
            try:
                posted = self._posted(payload["response_url"], body)
            except RetryLater as error:
                if not earlier and isinstance(error.__cause__, (httpx.ConnectError, httpx.ConnectTimeout)):
                    self._note(message, maybe_posted=False)  # it never reached WeCom: nothing was shown
                raise
            if posted:
                return
            if earlier:
                log.info("outbox %s: the response_url an earlier attempt may have used is used up: sent", message.id)
                return
            self._note(message, maybe_posted=False, expires_at=self._clock().isoformat())
        in_group = bool(payload.get("group"))
        if in_group:  # a group post has no duplicate check: marked before it goes, as the group's own posts are
            if message.last_error == HANDED_OVER:
                raise Undeliverable(CUT_SHORT)  # an attempt before this claim may have posted it, and never said
            self._handing_over(message)
        plain = OutboxMessage(id=message.id, channel=GROUP if in_group else APP,
                              recipient="" if in_group else message.recipient, payload=body,
                              dedupe_key=message.dedupe_key, attempts=message.attempts)
        (self._group if in_group else self._app).send(plain)

    def _handing_over(self, message: OutboxMessage) -> None:
        """The row says the post is handed to WeCom (Dispatcher._still_ours for a channel that is never repeated);
        a row claimed by another dispatcher meanwhile is not ours to post."""
        with self._sessions.begin() as session:
            marked = session.execute(FINISH, {"message_id": message.id, "claim": message.claimed_by,
                                              "last_error": HANDED_OVER})
            if marked.rowcount != 1:  # type: ignore[attr-defined]
                raise RetryLater("另一个发送进程已接手这条消息")

    def _note(self, message: OutboxMessage, **changes: Any) -> None:
        with self._sessions.begin() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(
                payload={**message.payload, **changes}))

    def _posted(self, url: str, body: dict[str, Any]) -> bool:
        """True when WeCom took it; False when the URL is used up or expired (use the fallback)."""
        with wecom_policy():
            response = self._http.post(url, json=body)
            if response.status_code >= 500:
                raise WeComError(-1, f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            return False
        if isinstance(answer, dict) and answer.get("errcode") == -1:
            raise RetryLater("response_url: system busy")
        return isinstance(answer, dict) and answer.get("errcode", 0) == 0 and response.status_code < 400


class SendWindowLimit:
    """Rolling-window rate limits per key, kept in the database so that they hold across dispatcher
    processes: at most `count` sends in any `window`, for each (count, window) in `limits`."""

    def __init__(self, sessions: sessionmaker[Session], limits: Sequence[tuple[int, timedelta]],
                 clock: Callable[[], datetime]) -> None:
        self._sessions, self._limits, self._clock = sessions, limits, clock
        self._longest = max(window for _, window in limits)

    def take(self, keys: Iterable[str]) -> timedelta | None:
        """A slot now under every key (None), or how long to wait until all have one: all or none."""
        keys = sorted(set(keys))  # one lock order for every process
        try:
            with self._sessions.begin() as session:  # IMMEDIATE on SQLite; row locks on PostgreSQL
                rows = {row.key: row for row in session.scalars(
                    select(SendWindow).where(SendWindow.key.in_(keys)).order_by(SendWindow.key).with_for_update())}
                now = self._clock()
                recent = {key: [t for t in map(datetime.fromisoformat, rows[key].sent if key in rows else [])
                                if t > now - self._longest] for key in keys}
                waits = [wait for times in recent.values() if (wait := self._wait(times, now)) is not None]
                if waits:
                    return max(waits)
                for key in keys:
                    row = rows.get(key) or SendWindow(key=key)
                    session.add(row)
                    row.sent = [t.isoformat() for t in (*recent[key], now)]
                return None
        except IntegrityError:  # another process created a row at this instant: try again shortly
            return timedelta(seconds=1)

    def _wait(self, times: list[datetime], now: datetime) -> timedelta | None:
        """How long until one more send fits every limit, given the earlier send `times`."""
        waits = []
        for count, window in self._limits:
            inside = sorted(t for t in times if t > now - window)
            if len(inside) >= count:  # room comes when enough of them have left the window
                waits.append(inside[len(inside) - count] + window - now)
        return max(waits, default=None)
