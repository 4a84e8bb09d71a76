"""The AI bot (智能机器人, API mode): its JSON payloads as Incoming messages, and stream replies."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from bot.messages import Incoming
from bot.text import markdown_plain
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


def with_allowed_urls(message: Incoming, hosts: str) -> Incoming:
    """Drop a response_url or file URL on a host WeCom does not use: the bot fetches and posts nowhere else."""
    return replace(message, response_url=message.response_url if allowed_url(message.response_url, hosts) else "",
                   file_url=message.file_url if allowed_url(message.file_url, hosts) else "")


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
    chat_id = _text(payload.get("chatid"))
    # Only an explicit 1:1 chat is private; anything unclear is treated as the group (privacy first).
    chat_type = "single" if payload.get("chattype") == "single" and not chat_id else "group"
    common: dict[str, Any] = {
        "chat_type": chat_type, "chat_id": chat_id,
        "quoted": _content(_obj(payload.get("quote"))), "response_url": _text(payload.get("response_url")),
    }
    key = message_key(msgid)
    if kind == "event":
        event = _text(_obj(payload.get("event")).get("eventtype"))
        return Incoming("aibot", userid, key, "event", event=event, **common)
    if kind == "file":
        return Incoming("aibot", userid, key, "file", file_url=_text(_obj(payload.get("file")).get("url")), **common)
    if kind in ("text", "mixed"):
        return Incoming("aibot", userid, key, "text", text=strip_mention(_content(payload), bot_name),
                        images=len(_items(payload, "image")), **common)
    return Incoming("aibot", userid, key, kind, **common)


def allowed_url(url: str, hosts: str) -> bool:
    """Whether `url` is https/http on one of `hosts` ("a.com" exactly, ".a.com" any subdomain)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return False
    for allowed in (h.strip().lower() for h in hosts.split(",") if h.strip()):
        if host == allowed.lstrip(".") or (allowed.startswith(".") and host.endswith(allowed)):
            return True
    return False


def message_key(msgid: str) -> str:
    """The dedupe key of a msgid (hashed when long, never cut): keys built on it (`file:…:done:userid`) must
    still fit their 200 characters."""
    key = f"aibot:{msgid}"
    return key if len(key) <= 120 else f"aibot:sha256:{hashlib.sha256(msgid.encode()).hexdigest()}"


def strip_mention(text: str, bot_name: str) -> str:
    """Drop "@审稿机器人" wherever it stands in the command line (the name may contain spaces, the @ may be
    full-width); other leading mentions are dropped by the engine's normalisation. The lines below are the
    article: an e-mail address or 「＠我们」 in it stays as written, and so does the bot's name, except on a line
    of its own, where it is no text of the message (「退回 #1⏎@审稿机器人」 has no comment). Other members
    mentioned at the end of the command line are whom it is for, no part of it (「刊发 #1 … @张三」)."""
    first, newline, body = text.partition("\n")
    first = first.replace("＠", "@")
    if bot_name:
        first = first.replace(f"@{bot_name}", " ")
        mention = f"[@＠]{re.escape(bot_name)}"
        body = re.sub(rf"^[^\S\n]*{mention}[^\S\n]*$", "", body, flags=re.MULTILINE)  # U+2005 after it too
    if not _CARRIES_AN_ARTICLE.match(first):  # 「投稿《标题》…来源：@乐昌发布」: the article's own last word
        first = _without_trailing_mentions(first)
    return f"{first.strip()}{newline}{body}".strip()


# The commands whose line may hold the article itself (on one line, where a phone's Enter sends): nothing is
# taken off its end.
_CARRIES_AN_ARTICLE = re.compile(r"\s*(?:投稿|续稿|修改)")


def _without_trailing_mentions(line: str) -> str:
    """The command line less the colleagues @-mentioned at its end (「积分 @张三」; WeCom puts U+2005 after each):
    whom the message is for in the group, no argument of the command. One inside it (「退回 #1 请@张三 核实」) stays.
    Scanned from the end, not by a pattern: a line of 60,000 blanks is read in linear time."""
    end = len(line.rstrip())
    while True:
        start = end
        while start > 0 and not line[start - 1].isspace():
            start -= 1
        if start == 0 or start == end or line[start] != "@":
            return line[:end]
        end = start
        while end > 0 and line[end - 1].isspace():
            end -= 1


def envelope_json(envelope: Envelope) -> str:
    """The AI bot's encrypted reply body (the timestamp as a number, as WeCom sends it)."""
    return json.dumps({"encrypt": envelope.encrypt, "msgsignature": envelope.signature,
                       "timestamp": int(envelope.timestamp), "nonce": envelope.nonce})


def text_reply(content: str) -> str:
    """A plain text reply: what WeCom shows when a 1:1 chat with the bot is opened (enter_chat)."""
    return json.dumps({"msgtype": "text", "text": {"content": content}}, ensure_ascii=False)


def stream_reply(stream_id: str, content: str) -> str:
    """The reply, whole (finish): WeCom shows a stream as markdown, and replies are plain text with members'
    titles in them, so nothing in them may turn into a link."""
    return json.dumps({"msgtype": "stream", "stream": {"id": stream_id, "finish": True,
                                                       "content": markdown_plain(content)}}, ensure_ascii=False)


def _content(message: dict[str, Any]) -> str:
    """The text of a text or mixed message (text parts joined by lines)."""
    if _text(message.get("msgtype")) == "mixed":
        parts = [_text(_obj(item.get("text")).get("content")) for item in _items(message, "text")]
        return "\n".join(part for part in parts if part)
    return _text(_obj(message.get("text")).get("content"))


def _items(message: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The parts of a mixed (图文) message of one kind: text or image."""
    items = _obj(message.get("mixed")).get("msg_item") if _text(message.get("msgtype")) == "mixed" else None
    return [_obj(item) for item in items if _text(_obj(item).get("msgtype")) == kind] if isinstance(items, list) else []


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    """A string field, or "" for anything else (numbers, objects, lone surrogates)."""
    if not isinstance(value, str):
        return ""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return ""
    return value
