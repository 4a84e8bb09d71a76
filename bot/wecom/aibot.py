"""The AI bot (智能机器人, API mode): its JSON payloads as Incoming messages, and stream replies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.messages import Incoming
from bot.wecom.crypto import CallbackRejected, Envelope

MAX_USERID = 64


@dataclass(frozen=True)
class StreamRefresh:
    """WeCom asking for more of a stream reply the bot already finished."""

    stream_id: str


def parse_json(data: bytes | str) -> dict[str, Any]:
    """A JSON object, or a clean 400 (malformed, not an object, nested beyond reason)."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise CallbackRejected(400, "malformed JSON") from exc
    if not isinstance(value, dict):
        raise CallbackRejected(400, "JSON object expected")
    return value


def encrypted_field(body: bytes) -> str:
    encrypted = parse_json(body).get("encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise CallbackRejected(400, "no encrypt field")
    return encrypted


def to_incoming(plaintext: str, bot_name: str = "") -> Incoming | StreamRefresh:
    """The decrypted payload as an Incoming (keyed on msgid) or a stream refresh."""
    payload = parse_json(plaintext)
    kind = _text(payload.get("msgtype"))
    if kind == "stream":
        return StreamRefresh(_text(_obj(payload.get("stream")).get("id")))
    msgid = _text(payload.get("msgid"))
    userid = _text(_obj(payload.get("from")).get("userid"))
    if not msgid or not userid or len(userid) > MAX_USERID or not kind:
        raise CallbackRejected(400, "payload without msgid, sender or type")
    common: dict[str, Any] = {
        "chat_type": _text(payload.get("chattype")) or "single", "chat_id": _text(payload.get("chatid")),
        "quoted": _content(_obj(payload.get("quote"))), "response_url": _text(payload.get("response_url")),
    }
    key = f"aibot:{msgid}"[:200]
    if kind == "event":
        event = _text(_obj(payload.get("event")).get("eventtype"))
        return Incoming("aibot", userid, key, "event", event=event, **common)
    if kind == "file":
        return Incoming("aibot", userid, key, "file", file_url=_text(_obj(payload.get("file")).get("url")), **common)
    if kind in ("text", "mixed"):
        return Incoming("aibot", userid, key, "text", text=strip_mention(_content(payload), bot_name), **common)
    return Incoming("aibot", userid, key, kind, **common)


def strip_mention(text: str, bot_name: str) -> str:
    """Drop the leading "@审稿机器人" (the name may contain spaces, so it is matched whole)."""
    stripped = text.lstrip()
    mention = f"@{bot_name}" if bot_name else ""
    if mention and stripped.startswith(mention):
        return stripped[len(mention):].lstrip()
    return text


def envelope_json(envelope: Envelope) -> str:
    """The AI bot's encrypted reply body (the timestamp as a number, as WeCom sends it)."""
    return json.dumps({"encrypt": envelope.encrypt, "msgsignature": envelope.signature,
                       "timestamp": int(envelope.timestamp), "nonce": envelope.nonce})


def stream_reply(stream_id: str, content: str) -> str:
    return json.dumps({"msgtype": "stream", "stream": {"id": stream_id, "finish": True, "content": content}},
                      ensure_ascii=False)


def _content(message: dict[str, Any]) -> str:
    """The text of a text or mixed message (text parts joined by lines)."""
    if _text(message.get("msgtype")) == "mixed":
        items = _obj(message.get("mixed")).get("msg_item")
        parts = [_text(_obj(_obj(item).get("text")).get("content")) for item in items or []
                 if _text(_obj(item).get("msgtype")) == "text"] if isinstance(items, list) else []
        return "\n".join(part for part in parts if part)
    return _text(_obj(message.get("text")).get("content"))


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
