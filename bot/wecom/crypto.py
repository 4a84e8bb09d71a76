"""WeCom callback crypto: constant-time signature, AES via wechatpy, the freshness window."""

from __future__ import annotations

import binascii
import hashlib
import hmac
import re
import secrets
import struct
from dataclasses import dataclass

from wechatpy.crypto import BaseWeChatCrypto
from wechatpy.crypto.cryptography import WeChatCipher
from wechatpy.enterprise.crypto import PrpCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException

_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class CallbackRejected(Exception):
    """The callback failed verification; `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def random_prefix() -> str:
    """The 16 random bytes before each plaintext (wechatpy uses `random`; this uses `secrets`): 96 bits as
    16 URL-safe characters, from one read of the system's random source rather than one per character."""
    return secrets.token_urlsafe(12)


class _Prp(PrpCrypto):  # type: ignore[misc]
    def get_random_string(self) -> str:
        return random_prefix()


@dataclass(frozen=True)
class Envelope:
    encrypt: str
    signature: str
    timestamp: str
    nonce: str


class CallbackCrypto:
    """Verify, decrypt and encrypt callback payloads for one receiver (CorpID, or "" for the AI bot)."""

    def __init__(self, token: str, aes_key: str, receive_id: str) -> None:
        self._token = token
        self._key = BaseWeChatCrypto(token, aes_key, receive_id).key
        self._receive_id = receive_id
        # Built once: its AES-CBC cipher only describes the key and IV, and each call makes its own context.
        self._prp = _Prp(self._key)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        expected = signature(self._token, timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected.encode(), msg_signature.encode("utf-8", "replace")):
            raise CallbackRejected(403, "bad signature")

    def decrypt(self, encrypted: str) -> str:
        """The plaintext; a wrong receiver or any malformed ciphertext is rejected."""
        try:
            return str(self._prp.decrypt(encrypted, self._receive_id))
        except (InvalidCorpIdException, InvalidSignatureException) as exc:
            raise CallbackRejected(403, "wrong receiver id") from exc
        except (ValueError, TypeError, IndexError, struct.error, binascii.Error, UnicodeDecodeError) as exc:
            raise CallbackRejected(400, "undecryptable payload") from exc

    def encrypt(self, plaintext: str, nonce: str, timestamp: str) -> Envelope:
        encrypted = self._prp.encrypt(plaintext, self._receive_id).decode()
        return Envelope(encrypted, signature(self._token, timestamp, nonce, encrypted), timestamp, nonce)

    def encrypt_xml(self, plaintext: str, nonce: str, timestamp: str) -> str:
        """The passive-reply envelope of the self-built app."""
        env = self.encrypt(plaintext, nonce, timestamp)
        return (
            "<xml>\n"
            f"<Encrypt><![CDATA[{env.encrypt}]]></Encrypt>\n"
            f"<MsgSignature><![CDATA[{env.signature}]]></MsgSignature>\n"
            f"<TimeStamp>{env.timestamp}</TimeStamp>\n"
            f"<Nonce><![CDATA[{env.nonce}]]></Nonce>\n"
            "</xml>"
        )


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte key of a 43-character EncodingAESKey."""
    return bytes(BaseWeChatCrypto("", encoding_aes_key, "").key)


def decrypt_file(key: bytes, data: bytes) -> bytes:
    """An AI bot file: AES-256-CBC, IV = key[:16], PKCS#7 to 32 bytes (no framing, unlike messages)."""
    if not data or len(data) % 16:
        raise ValueError("not an AES-CBC ciphertext")
    plain = WeChatCipher(key).decrypt(data)
    pad = plain[-1]
    if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
        raise ValueError("bad padding: wrong key or not an encrypted file")
    return bytes(plain[:-pad])


def encrypt_file(key: bytes, data: bytes) -> bytes:
    """The inverse of decrypt_file (what WeCom does; used by tests and tools)."""
    pad = 32 - len(data) % 32
    return bytes(WeChatCipher(key).encrypt(data + bytes([pad]) * pad))


def check_freshness(timestamp: str, now: float, max_skew_seconds: int) -> None:
    """Reject a timestamp that is not an integer or further than `max_skew_seconds` from now."""
    if not _TIMESTAMP.fullmatch(timestamp):  # ASCII only: str.isdigit() also accepts "²"
        raise CallbackRejected(400, "bad timestamp")
    if abs(now - int(timestamp)) > max_skew_seconds:
        raise CallbackRejected(403, "stale timestamp")
