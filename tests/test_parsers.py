"""Property and hostile-input tests of the callback parsers: never a crash, always a clean rejection."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.messages import Incoming
from bot.text import xml_safe
from bot.wecom import app_messages
from bot.wecom.crypto import CallbackRejected


@settings(max_examples=300)
@given(st.binary(max_size=2000))
def test_q06_envelope_parser_accepts_or_rejects_cleanly(data: bytes) -> None:
    try:
        assert app_messages.encrypted_field(data)
    except CallbackRejected as rejected:
        assert rejected.status == 400


@settings(max_examples=300)
@given(st.text(max_size=2000))
def test_q06_message_parser_accepts_or_rejects_cleanly(text: str) -> None:
    try:
        assert isinstance(app_messages.to_incoming(text), Incoming)
    except CallbackRejected as rejected:
        assert rejected.status == 400


XML_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\r"), max_size=300)


@given(XML_TEXT, XML_TEXT)
@example("u]]>", "a]]>b")  # arbitrary text almost never holds the CDATA terminator: always try it
@example("]]>", "<![CDATA[x]]>]]><MsgType>news</MsgType>")
def test_q06_any_userid_and_content_round_trip_through_the_reply_xml(userid: str, content: str) -> None:
    """`]]>`, markup and control characters in user text never break or inject into the reply."""
    fields = app_messages.parse_xml(app_messages.text_reply(userid, "corp", 1, content))
    assert set(fields) == {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"}
    assert fields["ToUserName"] == xml_safe(userid)
    assert fields["Content"] == xml_safe(content)


@pytest.mark.parametrize("body", [
    # billion laughs, quadratic blow-up, external entity, deep nesting, invalid UTF-8
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><xml><Encrypt>&c;</Encrypt></xml>',
    b'<!DOCTYPE x [<!ENTITY a "' + b"A" * 30000 + b'">]><xml><Encrypt>' + b"&a;" * 10000 + b"</Encrypt></xml>",
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>',
    b"<xml>" + b"<a>" * 20000 + b"</a>" * 20000 + b"</xml>",
    b"<xml><Encrypt>\xc3\x28</Encrypt></xml>",
])
def test_q06_hostile_xml_is_rejected(body: bytes) -> None:
    """How fast, and with how much memory, against a real server: benchmarks/hostile.py."""
    with pytest.raises(CallbackRejected) as rejected:
        app_messages.encrypted_field(body)
    assert rejected.value.status == 400
