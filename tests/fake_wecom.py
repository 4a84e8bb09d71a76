"""A fake WeCom API on loopback: the documented JSON, every request recorded, faults on demand.

Faults are queued per API path and consumed one per request: an errcode (−1, 42001, 45009, 60020, …),
"http502", "hang" (answers −1 after `hang_seconds`, longer than the client's timeout, having done nothing) or
"late" (does what was asked, then answers after `hang_seconds`: WeCom took it, the client timed out). `down()` closes
the port (connection refused) and `up()` opens it again on the same port.

Like WeCom, app messages to a member beyond 30 in a minute or 1000 in an hour (by `clock`) are answered
with errcode 0 and dropped: `delivered` holds what reached each member, `dropped` what did not. So is a message
the same as one the member got within its `duplicate_check_interval`, when it asks for the duplicate check.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import quote

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.loopback import free_port

CORP_ID = "wwfakecorp"
SECRET = "fake-secret"
AGENT_ID = 1000002
WEBHOOK_KEY = "robot-key"
ERRMSG = {-1: "system busy", 40014: "invalid access_token", 42001: "access_token expired",
          45009: "api freq out of limit", 60020: "not allow to access from your ip",
          81013: "user & party & tag all invalid", 86003: "chat not exist", 40007: "invalid media_id",
          40001: "invalid credential", 93000: "invalid webhook url", 40004: "invalid media type",
          40006: "invalid file size"}


@dataclass
class Call:
    path: str
    params: dict[str, str]
    body: dict[str, Any] | None
    at: float
    errcode: int | None = None  # what the fake answered (None: not JSON, e.g. HTTP 502 or a file)


@dataclass
class FakeWeCom:
    hang_seconds: float = 2.0
    calls: list[Call] = field(default_factory=list)
    faults: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    tokens: set[str] = field(default_factory=set)
    invalid_users: set[str] = field(default_factory=set)
    departments: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    aibot_files: dict[str, bytes] = field(default_factory=dict)  # already encrypted, as WeCom serves them
    used_response_codes: set[str] = field(default_factory=set)
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    delivered: dict[str, list[tuple[float, dict[str, Any]]]] = field(default_factory=lambda: defaultdict(list))
    dropped: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    # -- control ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, path: str, *faults: Any) -> None:
        with self._lock:
            self.faults[path].extend(faults)

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def of(self, path: str, accepted_only: bool = False) -> list[Call]:
        """The requests to `path`; with `accepted_only`, those answered with errcode 0."""
        with self._lock:
            return [call for call in self.calls if call.path == path and (not accepted_only or call.errcode == 0)]

    def up(self) -> FakeWeCom:
        self.port = self.port or free_port()
        app = Starlette(routes=[Route("/cgi-bin/{path:path}", self._handle, methods=["GET", "POST"]),
                                Route("/aibot-files/{name}", self._aibot_file)])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def down(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = self._thread = None

    # -- the API ---------------------------------------------------------------------------------
    async def _handle(self, request: Request) -> Response:
        path = request.path_params["path"]
        raw = await request.body()
        content_type = request.headers.get("content-type", "")
        body = _form(content_type, raw) if content_type.startswith("multipart/") else json.loads(raw) if raw else None
        call = Call(path, dict(request.query_params), body, time.time())
        with self._lock:
            self.calls.append(call)
        response = await self._answer(call)
        call.errcode = _errcode(response)
        return response

    async def _answer(self, call: Call) -> Response:
        with self._lock:
            fault = self.faults[call.path].pop(0) if self.faults[call.path] else None
        if fault == "hang":
            await asyncio.sleep(self.hang_seconds)
            return _error(-1)
        if fault == "http502":
            return Response("bad gateway", status_code=502)
        if isinstance(fault, int):
            return _error(fault)
        response = self._serve(call)
        if fault == "late":  # recorded as taken before the client gives up waiting
            call.errcode = _errcode(response)
            await asyncio.sleep(self.hang_seconds)
        return response

    def _serve(self, call: Call) -> Response:
        path, params, body = call.path, call.params, call.body
        if path == "gettoken":
            return self._gettoken(params)
        if path == "webhook/send":
            return _ok() if params.get("key") == WEBHOOK_KEY else _error(93000)
        if path == "aibot/response":  # single use
            code = params.get("response_code", "")
            with self._lock:
                fresh = code not in self.used_response_codes
                self.used_response_codes.add(code)
            return _ok() if fresh else _error(600039)
        with self._lock:
            token_ok = params.get("access_token") in self.tokens
        if not token_ok:
            return _error(42001 if params.get("access_token", "").startswith("tok-") else 40014)
        handler = {"message/send": self._message_send, "appchat/create": self._appchat_create,
                   "appchat/send": self._appchat_send, "media/get": self._media_get,
                   "media/upload": self._media_upload,
                   "department/list": self._department_list, "user/list": self._user_list}.get(path)
        return handler(params, body) if handler else _error(40001)

    async def _aibot_file(self, request: Request) -> Response:
        data = self.aibot_files.get(request.path_params["name"])
        return Response(data, media_type="application/octet-stream") if data else Response(status_code=404)

    def _gettoken(self, params: dict[str, str]) -> Response:
        if params.get("corpid") != CORP_ID or params.get("corpsecret") != SECRET:
            return _error(40001)
        token = f"tok-{next(self._ids)}"
        with self._lock:
            self.tokens.add(token)
        return _ok(access_token=token, expires_in=7200)

    def _message_send(self, params: dict[str, str], body: dict[str, Any] | None) -> Response:
        assert body is not None and body["agentid"] == AGENT_ID and body["msgtype"] in body
        users = body["touser"].split("|")
        assert len(users) <= 1000
        invalid = [u for u in users if u in self.invalid_users]
        if len(invalid) == len(users):
            return _error(81013)
        now = self.clock()
        with self._lock:
            for user in (u for u in users if u not in invalid):
                times = [at for at, _ in self.delivered[user]]
                if (sum(at > now - 60 for at in times) >= 30 or sum(at > now - 3600 for at in times) >= 1000
                        or self._repeated(user, body, now)):
                    self.dropped.append((user, body))
                else:
                    self.delivered[user].append((now, body))
        return _ok(invaliduser="|".join(invalid), msgid=f"msg-{next(self._ids)}")

    def _repeated(self, user: str, body: dict[str, Any], now: float) -> bool:
        """WeCom's duplicate check: the same message (touser aside) to the member within the interval."""
        if not body.get("enable_duplicate_check"):
            return False
        since = now - int(body.get("duplicate_check_interval", 1800))
        content = {k: v for k, v in body.items() if k != "touser"}
        return any(at > since and {k: v for k, v in earlier.items() if k != "touser"} == content
                   for at, earlier in self.delivered[user])

    def _appchat_create(self, params: dict[str, str], body: dict[str, Any] | None) -> Response:
        assert body is not None and len(body["userlist"]) >= 2
        chat_id = body.get("chatid") or f"chat{next(self._ids)}"
        self.chats[chat_id] = body
        return _ok(chatid=chat_id)

    def _appchat_send(self, params: dict[str, str], body: dict[str, Any] | None) -> Response:
        assert body is not None
        return _ok() if body["chatid"] in self.chats else _error(86003)

    def _media_get(self, params: dict[str, str], body: dict[str, Any] | None) -> Response:
        found = self.media.get(params.get("media_id", ""))
        if found is None:
            return _error(40007)
        content_type, filename, data = found
        disposition = (f'attachment; filename="{filename}"' if filename.isascii()
                       else f"attachment; filename*=UTF-8''{quote(filename)}")
        return Response(data, media_type=content_type, headers={"Content-Disposition": disposition})

    def _media_upload(self, params: dict[str, str], body: dict[str, Any] | None) -> Response:
        """A file kept as media/get serves it; the call's body records its name and size, its bytes in `data`."""
        if params.get("type") != "file" or body is None or "media" not in body:
            return _error(40004)
        filename, data = body["media"]["filename"], body["media"].pop("data")
        if not 5 < len(data) <= 20 * 1024 * 1024:
            return _error(40006)
        media_id = f"media-{next(self._ids)}"
        with self._lock:
            self.media[media_id] = ("application/octet-stream", filename, data)
        return _ok(type="file", media_id=media_id, created_at=str(int(self.clock())))

    def _department_list(self, params: dict[str, str], body: dict[str, Any] | None) -> Response:
        return _ok(department=self.departments)

    def _user_list(self, params: dict[str, str], body: dict[str, Any] | None) -> Response:
        return _ok(userlist=self.users)


def _form(content_type: str, raw: bytes) -> dict[str, Any]:
    """multipart/form-data as {field: {"filename", "size", "data"}}, read with the standard library."""
    form = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    fields = {}
    for part in form.iter_parts():
        data = part.get_payload(decode=True)
        fields[str(part.get_param("name", header="content-disposition"))] = {
            "filename": part.get_filename(), "size": len(data), "data": data}
    return fields


def _errcode(response: Response) -> int | None:
    return int(json.loads(bytes(response.body))["errcode"]) if response.media_type == "application/json" else None


def _ok(**fields: Any) -> JSONResponse:
    return JSONResponse({"errcode": 0, "errmsg": "ok", **fields})


def _error(code: int) -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": ERRMSG.get(code, "error")})
