"""The self-built app's XML: the outer envelope, the decrypted message, the passive text reply."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.messages import Incoming
from bot.text import xml_safe
from bot.wecom.crypto import CallbackRejected

MAX_USERID = 64  # WeCom userids are at most 64 bytes; the database column is as wide


def parse_xml(data: bytes | str) -> dict[str, str]:
    """A flat `<xml><Tag>text</Tag>…</xml>` document as a dict; DTDs and entities are refused."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise CallbackRejected(400, "malformed XML") from exc
    if root.tag != "xml":
        raise CallbackRejected(400, "unexpected XML root")
    return {child.tag: (child.text or "") for child in root}


def encrypted_field(body: bytes) -> str:
    encrypted = parse_xml(body).get("Encrypt", "")
    if not encrypted:
        raise CallbackRejected(400, "no Encrypt element")
    return encrypted


def to_incoming(plaintext: str) -> Incoming:
    """The decrypted message as an Incoming, keyed for dedupe as WeCom's retries repeat it."""
    fields = parse_xml(plaintext)
    userid, kind = fields.get("FromUserName", ""), fields.get("MsgType", "")
    if not userid or not kind or len(userid) > MAX_USERID:
        raise CallbackRejected(400, "message without a valid sender or type")
    if kind == "event":
        event, event_key = fields.get("Event", ""), fields.get("EventKey", "")
        key = f"app:event:{userid}:{fields.get('CreateTime', '')}:{event}:{event_key}"
        return Incoming("app", userid, key[:200], kind, event=event, event_key=event_key)
    msg_id = fields.get("MsgId") or hashlib.sha256(plaintext.encode()).hexdigest()
    # A shared link card (MsgType link) carries its title and address instead of Content.
    text = fields.get("Content", "") if kind != "link" else f"{fields.get('Title', '')} {fields.get('Url', '')}"
    return Incoming("app", userid, f"app:msg:{msg_id}"[:200], kind, text=text,
                    media_id=fields.get("MediaId", ""), filename=fields.get("FileName", "") or fields.get("Title", ""))


def cdata(text: str) -> str:
    """CDATA that survives any text, `]]>` included."""
    return "<![CDATA[" + xml_safe(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, corp_id: str, create_time: int, content: str) -> str:
    return (f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(corp_id)}</FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{cdata(content)}</Content></xml>")
