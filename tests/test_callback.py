"""The app callback over real HTTP with real crypto: verification, hardening, dedupe, a conversation."""

from __future__ import annotations

import asyncio
import hmac
import io
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import event, select
from starlette.requests import Request

from bot.app import create_app
from bot.config import Settings
from bot.domain import members
from bot.observability import CallbackTrace
from bot.runtime import Runtime
from bot.wecom import crypto
from bot.wecom.callback import AppCallback, BodyTooLarge, read_capped
from models import AuditEvent, Draft, InboundMessage, OutboxMessage
from tests.conftest import OFFICE_CSV, FrozenClock, row_counts
from tests.fake_wecom import AGENT_ID as FAKE_AGENT_ID
from tests.fake_wecom import CORP_ID as FAKE_CORP_ID
from tests.fake_wecom import SECRET as FAKE_SECRET
from tests.wecom_sim import WeComSimulator, post, say


def test_url_verification_answers_tencents_vector_exactly(client: TestClient) -> None:
    # Vector A, 2016: URL verification has no freshness window (it changes nothing).
    query = urlencode({"msg_signature": "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "timestamp": "1476416373",
                       "nonce": "47744683", "echostr": "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN"
                                                      "/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="})
    response = client.get(f"/wecom/callback?{query}")
    assert response.status_code == 200
    assert response.content == b"1288432023552776189"


def test_url_verification_rejects_bad_signature_and_missing_fields(client: TestClient) -> None:
    params = {"msg_signature": "0" * 40, "timestamp": "1476416373", "nonce": "47744683", "echostr": "abc"}
    assert client.get("/wecom/callback", params=params).status_code == 403
    del params["echostr"]
    assert client.get("/wecom/callback", params=params).status_code == 400


def test_a_whole_conversation_through_the_endpoint(client: TestClient, wecom: WeComSimulator,
                                                   office: Runtime) -> None:
    reply = say(client, wecom, "zhangsan", "投稿 乐昌国土局开展“地球日”宣传\n4月22日，我局在人民广场……")
    assert "已收到投稿 #1《乐昌国土局开展“地球日”宣传》" in reply and "编辑：李四" in reply
    assert "#1《乐昌国土局开展“地球日”宣传》编辑中" in say(client, wecom, "zhangsan", "稿件")
    detail = say(client, wecom, "zhangsan", "稿件 #1")
    assert "状态：编辑中（编辑 李四" in detail and "张三 投稿" in detail
    assert "待我处理（1）" in say(client, wecom, "lisi", "稿件")
    with office.sessions.begin() as session:
        assert session.scalars(select(OutboxMessage.recipient)).all() == ["lisi"]


def test_enter_agent_event_is_greeted_once(client: TestClient, wecom: WeComSimulator, office: Runtime) -> None:
    callback = wecom.callback(wecom.event("zhangsan", "enter_agent"))
    first, second = post(client, callback), post(client, callback)
    assert "发送「帮助」" in wecom.reply_content(first.text) == wecom.reply_content(second.text)
    assert row_counts(office)["inbound_message"] == 1


def test_wecoms_own_events_are_answered_with_nothing(client: TestClient, wecom: WeComSimulator,
                                                     office: Runtime) -> None:
    """通讯录变更 comes from "sys": each was answered 「您的企业微信账号（sys）还未登记」 and audited as a stranger
    (found by a review of what WeCom sends)."""
    response = post(client, wecom.callback(wecom.event("sys", "change_contact")))
    assert response.status_code == 200 and response.text == ""
    with office.sessions.begin() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "unknown_member")).all() == []


def test_unregistered_member_gets_a_polite_answer_and_an_audit_event(client: TestClient, wecom: WeComSimulator,
                                                                     office: Runtime) -> None:
    assert "还未登记" in say(client, wecom, "stranger", "投稿 我的身份证号 440281199001011234\n电话 13800000000")
    with office.sessions.begin() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "unknown_member")).one()
        # What was tried, not what was said: the audit log is append-only, and a stranger's words are not ours.
        assert (event.actor, event.comment) == ("stranger", "投稿，43 字")
        assert session.scalars(select(Draft)).all() == []


def test_q06_user_text_with_cdata_terminator_is_escaped(client: TestClient, wecom: WeComSimulator) -> None:
    reply = say(client, wecom, "zhangsan", "]]><a>x</a>")
    assert reply == "未能识别「]]><a>x</a>」。发送「帮助」查看可用命令。"


@pytest.mark.parametrize("part", ["encrypt", "nonce", "timestamp", "signature"])
def test_q01_any_tampered_field_is_rejected_with_no_rows(part: str, client: TestClient, wecom: WeComSimulator,
                                                         office: Runtime) -> None:
    before = row_counts(office)
    callback = wecom.callback(wecom.text("zhangsan", "投稿 标题\n正文")).tampered(part)
    response = post(client, callback)  # the signature, not a failed decryption, refuses a tampered Encrypt
    assert (response.status_code, response.text) == (403, "bad signature")
    assert row_counts(office) == before


def test_q01_a_message_for_another_corp_is_rejected_with_no_rows(client: TestClient, office: Runtime,
                                                                 clock: FrozenClock) -> None:
    """Validly signed with our token and key, but encrypted for another receiveid (CorpID)."""
    before = row_counts(office)
    other = WeComSimulator(now=clock.timestamp, corp_id="ww_other_corp")
    assert post(client, other.callback(other.text("zhangsan", "投稿 标题\n正文"))).status_code == 403
    assert row_counts(office) == before


def test_q01_signatures_are_compared_in_constant_time(client: TestClient, wecom: WeComSimulator,
                                                      office: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    original, compared = hmac.compare_digest, []

    def spy(a: bytes, b: bytes) -> bool:
        compared.append(b)
        return original(a, b)

    monkeypatch.setattr(crypto.hmac, "compare_digest", spy)
    callback = wecom.callback(wecom.text("zhangsan", "帮助"))
    forged = callback.tampered("signature")
    assert post(client, forged).status_code == 403
    assert post(client, callback).status_code == 200
    assert compared == [forged.query["msg_signature"].encode(), callback.query["msg_signature"].encode()]


@pytest.mark.parametrize(("skew", "accepted"), [(299, True), (-299, True), (301, False), (-301, False)])
def test_q02_timestamp_within_299_s_accepted_301_s_rejected(skew: int, accepted: bool, client: TestClient,
                                                            wecom: WeComSimulator, office: Runtime,
                                                            clock: FrozenClock) -> None:
    before = row_counts(office)
    callback = wecom.callback(wecom.text("zhangsan", "帮助"), timestamp=int(clock.timestamp()) + skew)
    response = post(client, callback)
    if accepted:
        assert response.status_code == 200 and "您可以使用" in wecom.reply_content(response.text)
    else:
        assert response.status_code == 403
        assert row_counts(office) == before


@pytest.mark.parametrize(("skew", "accepted"), [(59, True), (-59, True), (61, False), (-61, False)])
def test_q02_the_freshness_window_is_configurable(skew: int, accepted: bool, office: Runtime,
                                                  clock: FrozenClock) -> None:
    office.settings = office.settings.model_copy(update={"callback_max_skew_seconds": 60})
    wecom = WeComSimulator(now=clock.timestamp)
    callback = wecom.callback(wecom.text("zhangsan", "帮助"), timestamp=int(clock.timestamp()) + skew)
    with TestClient(create_app(office, dispatcher=False, wall_clock=clock.timestamp)) as configured:
        assert post(configured, callback).status_code == (200 if accepted else 403)


@pytest.mark.parametrize("body", [
    b"not xml at all",
    b"<xml><ToUserName>x</ToUserName></xml>",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    b"<xml><Encrypt>&lol2;</Encrypt></xml>",
    b'<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Encrypt>&xxe;</Encrypt></xml>',
    b"<xml><Encrypt>\xff\xfe</Encrypt></xml>",
])
def test_q06_malformed_and_hostile_bodies_are_rejected_with_no_rows(body: bytes, client: TestClient, office: Runtime,
                                                                    clock: FrozenClock) -> None:
    before = row_counts(office)
    params = {"msg_signature": "0" * 40, "timestamp": str(int(clock.timestamp())), "nonce": "1"}
    assert client.post("/wecom/callback", params=params, content=body).status_code == 400
    assert row_counts(office) == before


def test_validly_signed_garbage_plaintext_is_rejected(client: TestClient, wecom: WeComSimulator,
                                                      office: Runtime) -> None:
    before = row_counts(office)
    assert post(client, wecom.callback("<xml><Content>no sender</Content></xml>")).status_code == 400
    assert post(client, wecom.callback("plain words")).status_code == 400
    assert row_counts(office) == before


def test_unconfigured_callback_answers_503(office: Runtime, clock: FrozenClock) -> None:
    office.settings = Settings(_env_file=None, database_url=office.settings.database_url)
    with TestClient(create_app(office, dispatcher=False)) as unconfigured:
        assert unconfigured.post("/wecom/callback?msg_signature=a&timestamp=1&nonce=1").status_code == 503


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "local_mode": True}


def test_on_sqlite_a_callback_runs_on_the_event_loop_and_on_postgresql_in_a_worker_thread(
        client: TestClient, wecom: WeComSimulator, office: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's transactions take turns in a process anyway: worker threads would only add GIL hand-offs."""
    on_event_loop: list[bool] = []
    receive = AppCallback.receive

    def watched(self: AppCallback, query: dict[str, str], body: bytes) -> tuple[str, CallbackTrace]:
        try:
            asyncio.get_running_loop()
            on_event_loop.append(True)
        except RuntimeError:
            on_event_loop.append(False)
        return receive(self, query, body)

    monkeypatch.setattr(AppCallback, "receive", watched)
    assert "稿件" in say(client, wecom, "zhangsan", "帮助")
    assert on_event_loop == [office.db.dialect.name == "sqlite"]


def test_q03_same_callback_three_times_in_a_row_has_one_effect(client: TestClient, wecom: WeComSimulator,
                                                               office: Runtime) -> None:
    callback = wecom.callback(wecom.text("zhangsan", "投稿 重试的稿件\n正文"))
    replies = [wecom.reply_content(post(client, callback).text)]
    rollbacks: list[object] = []
    watch = rollbacks.append
    event.listen(office.db, "rollback", watch)
    try:
        replies += [wecom.reply_content(post(client, callback).text) for _ in range(2)]
    finally:
        event.remove(office.db, "rollback", watch)
    assert replies[0] == replies[1] == replies[2]
    assert "#1《重试的稿件》" in replies[0]
    assert rollbacks == []  # a retry is no error: nothing fails, so PostgreSQL logs nothing either
    counts = row_counts(office)
    assert (counts["draft"], counts["draft_version"], counts["outbox_message"], counts["inbound_message"]) == (
        1, 1, 1, 1)
    with office.sessions.begin() as session:
        assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "submit")).all()) == 1


def test_q05_oversized_and_chunked_bodies_get_413_before_parsing(live_server: str, office: Runtime) -> None:
    before = row_counts(office)
    url = f"{live_server}/wecom/callback?msg_signature={'0' * 40}&timestamp=1&nonce=1"
    big = b"<xml>" + b"x" * 70_000 + b"</xml>"
    assert httpx.post(url, content=big, timeout=10).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap must count as it reads
        for _ in range(100):
            yield b"y" * 1024

    with httpx.Client(timeout=10) as http:
        request = http.build_request("POST", url, content=chunks())
        assert "content-length" not in request.headers and request.headers["transfer-encoding"] == "chunked"
        assert http.send(request).status_code == 413
    assert row_counts(office) == before


def test_q05_an_endless_chunked_body_is_read_no_further_than_the_cap() -> None:
    """A 413 alone would not show it: a reader that buffers the whole body first answers 413 as well."""
    received = 0

    async def receive() -> dict[str, object]:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"y" * 1024, "more_body": received < 10_000}  # 10 MiB

    scope = {"type": "http", "method": "POST", "path": "/wecom/callback", "headers": [], "query_string": b""}
    with pytest.raises(BodyTooLarge):
        asyncio.run(read_capped(Request(scope, receive), 64 * 1024))
    assert received <= 65, f"read {received} KiB for a 64 KiB cap"


def test_q03_same_callback_three_times_at_once_has_one_effect(live_server: str, wecom: WeComSimulator,
                                                              office: Runtime) -> None:
    callback = wecom.callback(wecom.text("zhangsan", "投稿 并发的稿件\n正文"))

    def deliver(_: int) -> httpx.Response:
        return httpx.post(f"{live_server}/wecom/callback", params=callback.query, content=callback.body,
                          timeout=10)

    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(deliver, range(3)))
    assert [r.status_code for r in responses] == [200, 200, 200]
    replies = {wecom.reply_content(r.text) for r in responses}
    assert len(replies) == 1 and "#1《并发的稿件》" in replies.pop()
    with office.sessions.begin() as session:
        assert len(session.scalars(select(Draft)).all()) == 1
        assert len(session.scalars(select(InboundMessage)).all()) == 1
        assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "submit")).all()) == 1
        assert len(session.scalars(select(OutboxMessage)).all()) == 1


@pytest.mark.parametrize("timestamp", ["²", "①", "١٢٣", " 1", "1e9"])
def test_non_ascii_digit_timestamps_are_a_400_not_a_500(timestamp: str, office: Runtime) -> None:
    with TestClient(create_app(office, dispatcher=False), raise_server_exceptions=False) as test_client:
        params = {"msg_signature": "a", "timestamp": timestamp, "nonce": "1"}
        assert test_client.post("/wecom/callback", params=params, content=b"<xml/>").status_code == 400


def test_overlong_userid_is_rejected(client: TestClient, wecom: WeComSimulator, office: Runtime) -> None:
    before = row_counts(office)
    assert post(client, wecom.callback(wecom.text("u" * 65, "帮助"))).status_code == 400
    assert row_counts(office) == before


def test_url_verification_with_the_pre_encoded_query_of_vector_b(office: Runtime) -> None:
    office.settings = office.settings.model_copy(update={
        "wecom_token": SecretStr("QDG6eK"), "wecom_aes_key": SecretStr("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"),
        "wecom_corp_id": "wx5823bf96d3bd56c7"})
    with TestClient(create_app(office, dispatcher=False)) as test_client:
        response = test_client.get(
            "/wecom/callback?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589"
            "&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8"
            "TgAE7OaBO%2BFZXvnaqQ%3D%3D")
    assert response.status_code == 200 and response.content == b"1616140317555161061"


class Blackhole:
    """A WeCom API that accepts connections and never answers, until closed."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                self.connections.append(self.listener.accept()[0])
            except TimeoutError:
                continue

    def close(self) -> None:
        """Hang up on everyone: a client waiting for an answer fails at once."""
        self._closed.set()
        self._thread.join(timeout=5)
        self.listener.close()
        for connection in self.connections:
            connection.close()


def test_q04_callbacks_answer_in_under_a_second_while_the_wecom_api_hangs(settings: Settings,
                                                                         clock: FrozenClock) -> None:
    """`newsbot serve` as deployed: the dispatcher runs beside the callback and is stuck in a call to
    WeCom that would take 30 s; every callback still answers well under a second (no callback waits on
    the API, and the dispatcher holds no database transaction while it waits)."""
    api = Blackhole()
    runtime = Runtime.build(settings.model_copy(update={
        "wecom_corp_id": FAKE_CORP_ID, "wecom_secret": SecretStr(FAKE_SECRET), "wecom_agent_id": FAKE_AGENT_ID,
        "wecom_api_base_url": api.url, "wecom_api_timeout_seconds": 30, "outbox_poll_seconds": 0.05}),
        clock=clock)
    with runtime.sessions.begin() as session:
        members.import_csv(session, io.StringIO(OFFICE_CSV), clock())
    wecom = WeComSimulator(now=clock.timestamp, corp_id=FAKE_CORP_ID)
    elapsed: list[float] = []
    try:
        with TestClient(create_app(runtime, wall_clock=clock.timestamp)) as client:

            def timed_say(userid: str, text: str) -> str:
                start = time.perf_counter()
                reply = say(client, wecom, userid, text)
                elapsed.append(time.perf_counter() - start)
                return reply

            assert "已收到投稿 #1" in timed_say("zhangsan", "投稿 第一篇\n正文")  # queues a notice to its editor
            deadline = time.monotonic() + 10
            while not api.connections and time.monotonic() < deadline:
                time.sleep(0.02)
            assert api.connections, "the dispatcher never called the WeCom API"
            assert "已收到投稿 #2" in timed_say("xiaoli", "投稿 第二篇\n正文")
            assert "待我处理（1）" in timed_say("lisi", "稿件")
            assert "已送审" in timed_say("lisi", "送审 #1")
            api.close()  # the hanging call fails now, so the dispatcher stops promptly
    finally:
        api.close()
        runtime.close()
    assert max(elapsed) < 1.0, elapsed
    with runtime.sessions.begin() as session:
        assert session.scalars(select(OutboxMessage.state).where(OutboxMessage.recipient == "lisi")).first() in (
            "pending", "sending")  # not lost: it waits for WeCom
