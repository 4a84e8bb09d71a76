"""The app callback over real HTTP with real crypto: verification, hardening, dedupe, a conversation."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import create_app
from bot.config import Settings
from bot.runtime import Runtime
from models import AuditEvent, Draft, InboundMessage, OutboxMessage
from tests.conftest import FrozenClock, row_counts
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


def test_unregistered_member_gets_a_polite_answer_and_an_audit_event(client: TestClient, wecom: WeComSimulator,
                                                                     office: Runtime) -> None:
    assert "还未登记" in say(client, wecom, "stranger", "投稿 标题\n正文")
    with office.sessions.begin() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "unknown_member")).one()
        assert event.actor == "stranger"
        assert session.scalars(select(Draft)).all() == []


def test_user_text_with_cdata_terminator_is_escaped(client: TestClient, wecom: WeComSimulator) -> None:
    reply = say(client, wecom, "zhangsan", "]]><a>x</a>")
    assert reply == "没有看懂「]]><a>x</a>」。发送「帮助」查看可用命令。"


@pytest.mark.parametrize("part", ["encrypt", "nonce", "timestamp", "signature"])
def test_any_tampered_field_is_rejected_with_no_rows(part: str, client: TestClient, wecom: WeComSimulator,
                                                     office: Runtime) -> None:
    before = row_counts(office)
    callback = wecom.callback(wecom.text("zhangsan", "投稿 标题\n正文")).tampered(part)
    assert post(client, callback).status_code in (400, 403)
    assert row_counts(office) == before


@pytest.mark.parametrize(("skew", "accepted"), [(299, True), (-299, True), (301, False), (-301, False)])
def test_timestamp_window(skew: int, accepted: bool, client: TestClient, wecom: WeComSimulator,
                          office: Runtime, clock: FrozenClock) -> None:
    before = row_counts(office)
    callback = wecom.callback(wecom.text("zhangsan", "帮助"), timestamp=int(clock.timestamp()) + skew)
    response = post(client, callback)
    if accepted:
        assert response.status_code == 200 and "您可以使用" in wecom.reply_content(response.text)
    else:
        assert response.status_code == 403
        assert row_counts(office) == before


@pytest.mark.parametrize("body", [
    b"not xml at all",
    b"<xml><ToUserName>x</ToUserName></xml>",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    b"<xml><Encrypt>&lol2;</Encrypt></xml>",
    b'<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Encrypt>&xxe;</Encrypt></xml>',
    b"<xml><Encrypt>\xff\xfe</Encrypt></xml>",
])
def test_malformed_bodies_are_rejected_with_no_rows(body: bytes, client: TestClient, office: Runtime,
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


def test_same_callback_three_times_in_a_row_has_one_effect(client: TestClient, wecom: WeComSimulator,
                                                           office: Runtime) -> None:
    callback = wecom.callback(wecom.text("zhangsan", "投稿 重试的稿件\n正文"))
    replies = [wecom.reply_content(post(client, callback).text) for _ in range(3)]
    assert replies[0] == replies[1] == replies[2]
    assert "#1《重试的稿件》" in replies[0]
    counts = row_counts(office)
    assert (counts["draft"], counts["draft_version"], counts["outbox_message"], counts["inbound_message"]) == (
        1, 1, 1, 1)


def test_oversized_bodies_get_413_before_parsing(live_server: str, office: Runtime) -> None:
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


def test_same_callback_three_times_at_once_has_one_effect(live_server: str, wecom: WeComSimulator,
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
