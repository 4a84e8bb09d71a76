"""Plays WeCom's side of the app callback with wechatpy's own crypto (independent of bot.wecom)."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

import httpx
import xmltodict
from fastapi.testclient import TestClient
from wechatpy.crypto import _get_signature
from wechatpy.enterprise.crypto import WeChatCrypto

TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
CORP_ID = "ww1436e0e65a779aee"

_msg_ids = itertools.count(7_000_000_000_000_000_001)


@dataclass
class Callback:
    query: dict[str, str]
    body: bytes

    def tampered(self, part: str) -> Callback:
        """The same callback with one byte of `part` changed (encrypt, nonce, timestamp, signature)."""
        query = dict(self.query)
        if part == "encrypt":
            text = self.body.decode()
            start = text.index("<Encrypt><![CDATA[") + len("<Encrypt><![CDATA[")
            flipped = "B" if text[start + 5] != "B" else "C"
            return Callback(query, (text[: start + 5] + flipped + text[start + 6:]).encode())
        key = {"nonce": "nonce", "timestamp": "timestamp", "signature": "msg_signature"}[part]
        value = query[key]
        query[key] = value[:-1] + ("1" if value[-1] != "1" else "2")
        return Callback(query, self.body)


@dataclass
class WeComSimulator:
    now: callable  # () -> float, the sender's clock
    token: str = TOKEN
    aes_key: str = AES_KEY
    corp_id: str = CORP_ID
    crypto: WeChatCrypto = field(init=False)

    def __post_init__(self) -> None:
        self.crypto = WeChatCrypto(self.token, self.aes_key, self.corp_id)

    def text(self, userid: str, content: str, msg_id: int | None = None) -> str:
        return xmltodict.unparse({"xml": {
            "ToUserName": self.corp_id, "FromUserName": userid, "CreateTime": int(self.now()),
            "MsgType": "text", "Content": content, "MsgId": msg_id or next(_msg_ids), "AgentID": 1000002,
        }}, full_document=False)

    def event(self, userid: str, event: str, event_key: str = "") -> str:
        return xmltodict.unparse({"xml": {
            "ToUserName": self.corp_id, "FromUserName": userid, "CreateTime": int(self.now()),
            "MsgType": "event", "Event": event, "EventKey": event_key, "AgentID": 1000002,
        }}, full_document=False)

    def card_click(self, userid: str, button_key: str, task_id: str = "task") -> str:
        return xmltodict.unparse({"xml": {
            "ToUserName": self.corp_id, "FromUserName": userid, "CreateTime": int(self.now()),
            "MsgType": "event", "Event": "template_card_event", "EventKey": button_key, "TaskId": task_id,
            "CardType": "button_interaction", "ResponseCode": "RESPONSECODE", "AgentID": 1000002,
        }}, full_document=False)

    def callback(self, plaintext: str, timestamp: int | None = None, nonce: str = "1597212914") -> Callback:
        ts = str(timestamp if timestamp is not None else int(self.now()))
        envelope = xmltodict.parse(self.crypto.encrypt_message(plaintext, nonce, ts))["xml"]
        encrypted = envelope["Encrypt"]
        body = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>\n"
                f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>")
        signature = _get_signature(self.token, ts, nonce, encrypted)
        return Callback({"msg_signature": signature, "timestamp": ts, "nonce": nonce}, body.encode())

    def reply_content(self, body: str, nonce: str = "1597212914") -> str:
        """Decrypt a passive reply as WeCom would, checking its signature; the text Content."""
        envelope = xmltodict.parse(body)["xml"]
        assert envelope["Nonce"] == nonce
        plaintext = self.crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"], nonce)
        message = xmltodict.parse(plaintext)["xml"]
        assert message["MsgType"] == "text"
        assert message["FromUserName"] == self.corp_id
        return str(message["Content"])


def post(client: TestClient, callback: Callback) -> httpx.Response:
    return client.post("/wecom/callback", params=callback.query, content=callback.body)


def say(client: TestClient, wecom: WeComSimulator, userid: str, text: str) -> str:
    response = post(client, wecom.callback(wecom.text(userid, text)))
    assert response.status_code == 200, response.text
    return wecom.reply_content(response.text)


def file_message(sim: WeComSimulator, userid: str, media_id: str, filename: str = "") -> str:
    """A file message as some tenants deliver it to apps (MsgType file, MediaId, FileName)."""
    fields = {"ToUserName": sim.corp_id, "FromUserName": userid, "CreateTime": int(sim.now()), "MsgType": "file",
              "MediaId": media_id, "MsgId": next(_msg_ids), "AgentID": 1000002}
    if filename:
        fields["FileName"] = filename
    return xmltodict.unparse({"xml": fields}, full_document=False)


@dataclass
class AiBotSimulator:
    """Plays WeCom's side of the AI bot callback: JSON payloads, receive id "" (wechatpy's crypto)."""

    now: callable
    token: str = TOKEN
    aes_key: str = AES_KEY
    crypto: WeChatCrypto = field(init=False)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.crypto = WeChatCrypto(self.token, self.aes_key, "")

    def text(self, userid: str, content: str, *, chat: str = "group", quote: str = "", msgid: str = "",
             response_url: str = "", chat_id: str = "CHATID") -> dict[str, object]:
        payload: dict[str, object] = {
            "msgid": msgid or f"aibot-msg-{next(self._ids)}", "aibotid": "AIBOTID", "chattype": chat,
            "from": {"userid": userid}, "msgtype": "text", "text": {"content": content},
        }
        if response_url:
            payload["response_url"] = response_url
        if chat == "group":
            payload["chatid"] = chat_id
        if quote:
            payload["quote"] = {"msgtype": "text", "text": {"content": quote}}
        return payload

    def callback(self, payload: dict[str, object] | str, timestamp: int | None = None,
                 nonce: str = "987654321") -> Callback:
        plaintext = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        ts = str(timestamp if timestamp is not None else int(self.now()))
        encrypted = xmltodict.parse(self.crypto.encrypt_message(plaintext, nonce, ts))["xml"]["Encrypt"]
        signature = _get_signature(self.token, ts, nonce, encrypted)
        return Callback({"msg_signature": signature, "timestamp": ts, "nonce": nonce},
                        json.dumps({"encrypt": encrypted}).encode())

    def reply(self, body: str, nonce: str = "987654321") -> dict[str, object]:
        """Decrypt the bot's JSON reply as WeCom would, checking its signature and nonce."""
        envelope = json.loads(body)
        assert envelope["nonce"] == nonce and isinstance(envelope["timestamp"], int)
        plaintext = self.crypto.decrypt_message({"Encrypt": envelope["encrypt"]}, envelope["msgsignature"],
                                                str(envelope["timestamp"]), nonce)
        return dict(json.loads(plaintext))


def aibot_say(client: TestClient, sim: AiBotSimulator, payload: dict[str, object]) -> str:
    """The stream content the bot answers to `payload` ("" for an empty 200)."""
    callback = sim.callback(payload)
    response = client.post("/wecom/aibot", params=callback.query, content=callback.body)
    assert response.status_code == 200, response.text
    if not response.text:
        return ""
    reply = sim.reply(response.text)
    assert reply["msgtype"] == "stream" and reply["stream"]["finish"] is True
    return str(reply["stream"]["content"])
