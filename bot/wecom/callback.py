"""The self-built app callback: GET answers URL verification, POST carries encrypted messages.

Order matters: size cap → freshness → signature → decrypt → parse; nothing is written to the
database before all of it has passed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.engine import CommandEngine
from bot.wecom import app_messages
from bot.wecom.crypto import CallbackCrypto, CallbackRejected, check_freshness

log = logging.getLogger(__name__)

router = APIRouter()


@dataclass
class AppCallback:
    """What the app callback needs: its crypto, the engine and the limits."""

    crypto: CallbackCrypto | None
    corp_id: str
    engine: CommandEngine
    max_bytes: int
    max_skew_seconds: int
    wall_clock: Callable[[], float] = time.time

    def verify_url(self, query: dict[str, str]) -> str:
        """The plaintext echostr. No freshness check: it changes nothing and WeCom may re-verify any time."""
        crypto = self._crypto()
        signature, timestamp, nonce, echostr = _require(query, "msg_signature", "timestamp", "nonce", "echostr")
        crypto.verify(signature, timestamp, nonce, echostr)
        return crypto.decrypt(echostr)

    def receive(self, query: dict[str, str], body: bytes) -> str:
        """The encrypted passive reply, or "" when there is nothing to say."""
        crypto = self._crypto()
        signature, timestamp, nonce = _require(query, "msg_signature", "timestamp", "nonce")
        check_freshness(timestamp, self.wall_clock(), self.max_skew_seconds)
        encrypted = app_messages.encrypted_field(body)
        crypto.verify(signature, timestamp, nonce, encrypted)
        incoming = app_messages.to_incoming(crypto.decrypt(encrypted))
        reply = self.engine.handle(incoming)
        if reply is None or not reply.text:
            return ""
        now = int(self.wall_clock())
        plaintext = app_messages.text_reply(incoming.userid, self.corp_id, now, reply.text)
        return crypto.encrypt_xml(plaintext, nonce, str(now))

    def _crypto(self) -> CallbackCrypto:
        if self.crypto is None:
            raise CallbackRejected(503, "WeCom callback not configured (NEWSBOT_WECOM_TOKEN, _AES_KEY, _CORP_ID)")
        return self.crypto


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


def _rejected(exc: CallbackRejected) -> Response:
    log.info("callback rejected: %s", exc.reason)
    return PlainTextResponse(exc.reason, status_code=exc.status)


@router.get("/wecom/callback")
def verify_url(request: Request) -> Response:
    callback: AppCallback = request.app.state.app_callback
    try:
        return PlainTextResponse(callback.verify_url(dict(request.query_params)))
    except CallbackRejected as exc:
        return _rejected(exc)


@router.post("/wecom/callback")
async def receive(request: Request) -> Response:
    callback: AppCallback = request.app.state.app_callback
    try:
        body = await read_capped(request, callback.max_bytes)
    except BodyTooLarge:
        return PlainTextResponse("body too large", status_code=413)
    try:
        reply = await run_in_threadpool(callback.receive, dict(request.query_params), body)
    except CallbackRejected as exc:
        return _rejected(exc)
    return Response(reply, media_type="application/xml" if reply else "text/plain")
