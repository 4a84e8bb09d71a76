"""The WeCom API client: a small typed client on httpx, every call with a timeout.

Why not wechatpy's client: it keeps the token per process, uses `requests` without timeouts on media
downloads, and hides the errcode. Here the token lives in the database (one refresh at a time for all
processes), every call has a timeout, and errors surface as WeComError(errcode) for the outbox policy.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.wecom.crypto import decrypt_file
from models import AccessToken

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
RATE_LIMITED = frozenset({45009, 45033, 130101})  # wait at least a minute (45033: too many calls at once)
_EXPIRED_URL = 40007  # reported like an expired media id: the member must send the file again
BATCH = 1000  # message/send takes at most 1000 userids
_EARLY = timedelta(minutes=5)  # treat a token as expired this long before WeCom does
# After a failed gettoken every process waits this long before the next try (WeCom limits gettoken).
_AFTER_REFUSAL = timedelta(seconds=60)
_AFTER_HICCUP = timedelta(seconds=5)
_FILENAME = re.compile(r"""filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?""", re.IGNORECASE)


class WeComError(Exception):
    """WeCom answered with a non-zero errcode, or not with the JSON it documents (errcode −1 then)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class TokenRefused(WeComError):
    """gettoken itself said no: wrong corp id or secret, untrusted IP — configuration, not a hiccup."""


@dataclass(frozen=True)
class Media:
    content_type: str
    filename: str
    data: bytes


class TokenStore:
    """The access token in the database: shared by all processes, fetched by one at a time."""

    def __init__(self, sessions: sessionmaker[Session], key: str, clock: Callable[[], datetime],
                 lease: timedelta = timedelta(seconds=30)) -> None:
        self._sessions = sessions
        self._key = key
        self._clock = clock
        self._lease = lease  # longer than a gettoken can take, or a second process would fetch too
        self._lock = threading.Lock()  # threads of this process queue here rather than poll the database

    def get(self, fetch: Callable[[], tuple[str, int]], stale: str | None = None, wait: float = 20.0) -> str:
        """A valid token other than `stale`; calls `fetch` (→ token, expires_in) only when this process
        holds the refresh lease. No transaction is held while fetching."""
        deadline = time.monotonic() + wait
        with self._lock:
            while True:
                token = self._valid(stale)
                if token is not None:
                    return token
                if self._take_lease(stale):
                    try:
                        token, expires_in = fetch()
                    except WeComError as error:
                        refused = isinstance(error, TokenRefused) or error.errcode in RATE_LIMITED
                        self._failed(error, _AFTER_REFUSAL if refused else _AFTER_HICCUP)
                        raise
                    except BaseException as error:
                        self._failed(WeComError(-1, f"gettoken: {type(error).__name__}"), _AFTER_HICCUP)
                        raise
                    self._store(token, self._clock() + timedelta(seconds=expires_in) - _EARLY)
                    return token
                if time.monotonic() > deadline:
                    raise WeComError(-1, "timed out waiting for another process to refresh the token")
                time.sleep(0.05)

    def _valid(self, stale: str | None) -> str | None:
        """The stored token if good; a recent gettoken failure is raised again instead of asking anew."""
        now = self._clock()
        with self._sessions.begin() as session:
            row = session.get(AccessToken, self._key)
            if row is None:
                return None
            if row.token and row.token != stale and row.expires_at and row.expires_at > now:
                return row.token
            if row.error and row.failed_until and row.failed_until > now:
                code, _, message = row.error.partition("|")
                kind = WeComError if code == "-1" or int(code) in RATE_LIMITED else TokenRefused
                raise kind(int(code), f"{message} (gettoken failed moments ago; retrying after a pause)")
            return None

    def _take_lease(self, stale: str | None) -> bool:
        """Become the refresher, unless someone is refreshing or has just stored a good token."""
        now = self._clock()
        needs_token = AccessToken.token.is_(None) | (AccessToken.expires_at <= now)
        if stale is not None:
            needs_token |= AccessToken.token == stale
        try:
            with self._sessions.begin() as session:
                if session.get(AccessToken, self._key) is None:
                    session.add(AccessToken(key=self._key, refreshing_until=now + self._lease))
                    return True
                taken = session.execute(update(AccessToken).where(
                    AccessToken.key == self._key, needs_token,
                    AccessToken.refreshing_until.is_(None) | (AccessToken.refreshing_until < now),
                ).values(refreshing_until=now + self._lease))
                return bool(taken.rowcount == 1)  # type: ignore[attr-defined]
        except IntegrityError:  # another process inserted the row first: it holds the lease
            return False

    def _store(self, token: str, expires_at: datetime) -> None:
        with self._sessions.begin() as session:
            session.execute(update(AccessToken).where(AccessToken.key == self._key).values(
                token=token, expires_at=expires_at, refreshing_until=None, error=None, failed_until=None))

    def _failed(self, error: WeComError, pause: timedelta) -> None:
        with self._sessions.begin() as session:
            session.execute(update(AccessToken).where(AccessToken.key == self._key).values(
                refreshing_until=None, error=f"{error.errcode}|{error.errmsg}"[:300],
                failed_until=self._clock() + pause))


class WeComClient:
    """The calls the bot makes. A token error refreshes the token once and retries once."""

    def __init__(self, base_url: str, corp_id: str, secret: str, agent_id: int, tokens: TokenStore,
                 timeout: float = 10.0, http: httpx.Client | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._corp_id, self._secret, self.agent_id = corp_id, secret, agent_id
        self._tokens = tokens
        self._http = http or httpx.Client(timeout=timeout)

    # -- messages --------------------------------------------------------------------------------
    def send_message(self, userids: list[str], payload: dict[str, Any]) -> list[str]:
        """message/send to `userids` (≤ 1000 per call); returns the userids WeCom called invalid."""
        invalid: list[str] = []
        for start in range(0, len(userids), BATCH):
            body = {**payload, "touser": "|".join(userids[start:start + BATCH]), "agentid": self.agent_id,
                    "enable_duplicate_check": 1, "duplicate_check_interval": 1800}
            answer = self._call("POST", "message/send", json=body)
            invalid += [u for u in str(answer.get("invaliduser") or "").split("|") if u]
        return invalid

    def create_group_chat(self, name: str, owner: str, userids: list[str]) -> str:
        return str(self._call("POST", "appchat/create", json={"name": name, "owner": owner,
                                                              "userlist": userids})["chatid"])

    def send_group_chat(self, chat_id: str, payload: dict[str, Any]) -> None:
        self._call("POST", "appchat/send", json={**payload, "chatid": chat_id})

    def send_webhook(self, key: str, payload: dict[str, Any]) -> None:
        self._checked(self._http.post(f"{self._base}/cgi-bin/webhook/send", params={"key": key}, json=payload))

    # -- directory and media ---------------------------------------------------------------------
    def departments(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "department/list")["department"])

    def users(self, department_ids: list[int]) -> list[dict[str, Any]]:
        """The users of these departments and their children (a user in several appears more than once)."""
        users: list[dict[str, Any]] = []
        for department_id in department_ids:
            answer = self._call("GET", "user/list", params={"department_id": department_id, "fetch_child": 1})
            users += answer["userlist"]
        return users

    def upload_file(self, filename: str, data: bytes) -> str:
        """media/upload of a file (WeCom takes up to 20 MB and keeps it 3 days); returns its media_id."""
        answer = self._call("POST", "media/upload", params={"type": "file"},
                            files={"media": (filename, data, "application/octet-stream")})
        return str(answer["media_id"])

    def media(self, media_id: str, max_bytes: int) -> Media:
        """media/get, streamed with a size cap; a JSON answer is an error."""
        for attempt in (1, 2):
            token = self._token()
            with self._http.stream("GET", f"{self._base}/cgi-bin/media/get",
                                   params={"access_token": token, "media_id": media_id}) as response:
                content_type = response.headers.get("content-type", "").split(";")[0].strip()
                disposition = response.headers.get("content-disposition", "")
                # A file comes as an attachment; an error is a bare JSON body (a .txt file is text/plain too).
                if not disposition and content_type in ("application/json", "text/plain"):
                    response.read()
                    try:
                        self._checked(response)
                    except WeComError as error:
                        if error.errcode in TOKEN_ERRORS and attempt == 1:
                            self._token(stale=token)
                            continue
                        raise
                    raise WeComError(-1, "media/get answered JSON without an error")
                if response.status_code >= 500:
                    raise WeComError(-1, f"HTTP {response.status_code}")
                if response.status_code >= 400:  # a proxy's error page is no file
                    raise WeComError(-1, f"HTTP {response.status_code} from media/get")
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > max_bytes:
                        raise WeComError(-2, f"file larger than {max_bytes} bytes")
                return Media(content_type, _filename(disposition), bytes(data))
        raise WeComError(-1, "media/get failed")

    # -- plumbing --------------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
              json: dict[str, Any] | None = None, files: dict[str, Any] | None = None) -> dict[str, Any]:
        token = self._token()
        try:
            return self._once(method, path, token, params, json, files)
        except WeComError as error:
            if error.errcode not in TOKEN_ERRORS:
                raise
        return self._once(method, path, self._token(stale=token), params, json, files)

    def _once(self, method: str, path: str, token: str, params: dict[str, Any] | None,
              json: dict[str, Any] | None, files: dict[str, Any] | None) -> dict[str, Any]:
        response = self._http.request(method, f"{self._base}/cgi-bin/{path}",
                                      params={**(params or {}), "access_token": token}, json=json, files=files)
        return self._checked(response)

    def _token(self, stale: str | None = None) -> str:
        return self._tokens.get(self._fetch_token, stale)

    def _fetch_token(self) -> tuple[str, int]:
        try:
            answer = self._checked(self._http.get(f"{self._base}/cgi-bin/gettoken",
                                                  params={"corpid": self._corp_id, "corpsecret": self._secret}))
        except WeComError as error:
            if error.errcode == -1 or error.errcode in RATE_LIMITED:  # a hiccup or too many calls: not the secret
                raise
            raise TokenRefused(error.errcode, error.errmsg) from error
        return str(answer["access_token"]), int(answer.get("expires_in", 7200))

    @staticmethod
    def _checked(response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 500:
            raise WeComError(-1, f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError as exc:
            raise WeComError(-1, f"HTTP {response.status_code}, not JSON") from exc
        if not isinstance(answer, dict):
            raise WeComError(-1, "unexpected answer")
        if answer.get("errcode", 0) != 0:
            raise WeComError(int(answer["errcode"]), str(answer.get("errmsg", "")))
        return answer

    def close(self) -> None:
        self._http.close()


def download_encrypted(http: httpx.Client, url: str, key: bytes, max_bytes: int) -> Media:
    """An AI bot file from its URL: streamed with a size cap, then decrypted with the bot's key."""
    data = bytearray()
    with http.stream("GET", url) as response:
        if response.status_code >= 500:
            raise WeComError(-1, f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise WeComError(_EXPIRED_URL, f"HTTP {response.status_code}: the file link has expired")
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) > max_bytes + 32:
                raise WeComError(-2, f"file larger than {max_bytes} bytes")
        disposition = response.headers.get("content-disposition", "")
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
    try:
        plain = decrypt_file(key, bytes(data))
    except ValueError as exc:
        raise WeComError(-3, f"cannot decrypt the file: {exc}") from exc
    return Media(content_type, _filename(disposition), plain)


def _filename(disposition: str) -> str:
    match = _FILENAME.search(disposition)
    if not match:
        return ""
    return unquote(match.group(1)) if match.group(1) else match.group(2)
