"""The WeCom callbacks: the self-built app (XML) and the AI bot (JSON).

Order matters: size cap → freshness → signature → decrypt → parse; nothing is written to the
database before all of it has passed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from bot.engine import CommandEngine
from bot.messages import Incoming, Reply
from bot.observability import CallbackTrace, record_callback
from bot.wecom import aibot, app_messages
from bot.wecom.crypto import CallbackCrypto, CallbackRejected, check_freshness

log = logging.getLogger(__name__)

router = APIRouter()


@dataclass
class Callback:
    """What both callbacks share: crypto (None: not configured), the engine and the limits."""

    endpoint: ClassVar[str]
    crypto: CallbackCrypto | None
    engine: CommandEngine
    max_bytes: int
    max_skew_seconds: int
    wall_clock: Callable[[], float] = field(default=time.time)
    name: str = "callback"

    def verify_url(self, query: dict[str, str]) -> str:
        """The plaintext echostr. No freshness check: it changes nothing and WeCom may re-verify any time."""
        crypto = self._crypto()
        signature, timestamp, nonce, echostr = _require(query, "msg_signature", "timestamp", "nonce", "echostr")
        crypto.verify(signature, timestamp, nonce, echostr)
        return crypto.decrypt(echostr)

    def open(self, query: dict[str, str], encrypted: Callable[[], str]) -> tuple[CallbackCrypto, str, str]:
        """Check freshness and signature, then decrypt: (crypto, nonce, plaintext)."""
        crypto = self._crypto()
        signature, timestamp, nonce = _require(query, "msg_signature", "timestamp", "nonce")
        check_freshness(timestamp, self.wall_clock(), self.max_skew_seconds)
        ciphertext = encrypted()
        crypto.verify(signature, timestamp, nonce, ciphertext)
        return crypto, nonce, crypto.decrypt(ciphertext)

    def _crypto(self) -> CallbackCrypto:
        if self.crypto is None:
            raise CallbackRejected(503, f"{self.name} not configured")
        return self.crypto


@dataclass
class AppCallback(Callback):
    """The self-built app: XML in, an encrypted XML text reply out."""

    endpoint = "app"
    corp_id: str = ""

    def receive(self, query: dict[str, str], body: bytes) -> tuple[str, CallbackTrace]:
        """The encrypted passive reply ("" when there is nothing to say) and what was done."""
        crypto, nonce, plaintext = self.open(query, lambda: app_messages.encrypted_field(body))
        incoming = app_messages.to_incoming(plaintext)
        reply = self.engine.handle(incoming)
        trace = _trace(self.endpoint, incoming, reply)
        if not reply.text:
            return "", trace
        now = int(self.wall_clock())
        xml = app_messages.text_reply(incoming.userid, self.corp_id, now, reply.text)
        return crypto.encrypt_xml(xml, nonce, str(now)), trace


@dataclass
class AiBotCallback(Callback):
    """The AI bot: JSON in, a finished stream reply in the encrypted JSON envelope out."""

    endpoint = "aibot"
    bot_name: str = ""
    url_hosts: str = ""

    def receive(self, query: dict[str, str], body: bytes) -> tuple[str, CallbackTrace]:
        crypto, nonce, plaintext = self.open(query, lambda: aibot.encrypted_field(body))
        message = aibot.to_incoming(plaintext, self.bot_name)
        if isinstance(message, aibot.StreamRefresh):  # WeCom polls a stream: it was finished at once
            key = aibot.message_key(message.stream_id) if message.stream_id else "-"
            trace = CallbackTrace(self.endpoint, "stream_refresh", key=key)
            stored = self.engine.stored_reply(key) if message.stream_id else None
            if not stored:
                return "", trace
            plaintext = aibot.stream_reply(message.stream_id, stored)
        else:
            message = aibot.with_allowed_urls(message, self.url_hosts)
            reply = self.engine.handle(message)
            trace = _trace(self.endpoint, message, reply)
            if not reply.text:
                return "", trace
            stream_id = message.key.removeprefix("aibot:")  # the msgid, or its hash when very long
            plaintext = (aibot.text_reply(reply.text) if message.kind == "event"
                         else aibot.stream_reply(stream_id, reply.text))
        envelope = crypto.encrypt(plaintext, nonce, str(int(self.wall_clock())))
        return aibot.envelope_json(envelope), trace


def _trace(endpoint: str, msg: Incoming, reply: Reply) -> CallbackTrace:
    return CallbackTrace(endpoint, reply.outcome, key=msg.key, member=msg.userid, command=reply.command or "-")


def _require(query: dict[str, str], *names: str) -> list[str]:
    values = [query.get(name, "") for name in names]
    if not all(values):
        raise CallbackRejected(400, "missing query parameter")
    return values


class BodyTooLarge(Exception):
    pass


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, or BodyTooLarge as soon as it passes `limit` (chunked bodies included)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _verify(callback: Callback, request: Request) -> Response:
    try:
        return PlainTextResponse(callback.verify_url(dict(request.query_params)))
    except CallbackRejected as exc:
        log.info("URL verification rejected: %s", exc.reason)
        return PlainTextResponse(exc.reason, status_code=exc.status)


async def _receive(callback: AppCallback | AiBotCallback, request: Request, media_type: str) -> Response:
    started = time.perf_counter()
    try:
        body = await read_capped(request, callback.max_bytes)
        query, threads = dict(request.query_params), request.app.state.callback_threads
        if threads is None:
            reply, trace = callback.receive(query, body)
        else:
            reply, trace = await anyio.to_thread.run_sync(callback.receive, query, body, limiter=threads)
        response = Response(reply, media_type=media_type if reply else "text/plain")
    except BodyTooLarge:
        trace = CallbackTrace(callback.endpoint, "too_large")
        response = PlainTextResponse("body too large", status_code=413)
    except CallbackRejected as exc:
        trace = CallbackTrace(callback.endpoint, "rejected", detail=exc.reason)
        response = PlainTextResponse(exc.reason, status_code=exc.status)
    except Exception:  # a bug or a dropped client: still one line and one count, then the usual 500
        record_callback(CallbackTrace(callback.endpoint, "error"), time.perf_counter() - started)
        raise
    record_callback(trace, time.perf_counter() - started)
    return response


@router.get("/wecom/callback")
def verify_app_url(request: Request) -> Response:
    return _verify(request.app.state.app_callback, request)


@router.post("/wecom/callback")
async def receive_app(request: Request) -> Response:
    return await _receive(request.app.state.app_callback, request, "application/xml")


@router.get("/wecom/aibot")
def verify_aibot_url(request: Request) -> Response:
    return _verify(request.app.state.aibot_callback, request)


@router.post("/wecom/aibot")
async def receive_aibot(request: Request) -> Response:
    return await _receive(request.app.state.aibot_callback, request, "application/json")
