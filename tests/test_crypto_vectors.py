"""The callback crypto against the exact vectors of ../shared/wecom/vectors.md, both directions."""

from __future__ import annotations

import json

import pytest

from bot.wecom import crypto
from bot.wecom.crypto import CallbackCrypto, CallbackRejected

A = ("hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", "ww1436e0e65a779aee")
B = ("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
C = ("123456", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "wx49f0ab532d5d035a")

A_POST_ENCRYPT = (
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2"
    "AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8"
    "KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQ"
    "DCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"
)
A_PLAINTEXT = (
    "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName>"
    "<CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content>"
    "<MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
)
A_REPLY = """<xml>
<Encrypt><![CDATA[/K4xJYsBwQssQzE/v2nbvIeXv4RSPpm4QbLqQSJqdvTVzKdF5zyFpDqi7SqZlsgsfUlux8Dk7Jys7Ury6tmjaV7Ak7EN8Fjekv0jUn4RYgN674vkPCc7yKF6FR0b4Vk+qgr+pFzWinL/dQMypCC7C1Q5hPHR2YpGczDGP23egDaV+a9l+1F0nloF2FdIGDCDJkW6PA6Ru++xQfQf3QP3ZbMEe7qI2G0aSSFw5CQUZm9tUd7mInaxLLkgko8Aw08RmSWw97bU3XhkVtzZOIZsmTxTmNFpaRAESl2hTWtrz5av2a7kQfSt/hZos75FjcWUE/7jB7ApcbsBQxCrUds0wSLuTl4PGBMpdFQn1gVCerDw+rJhy7tZikFtyLimEaCc]]></Encrypt>
<MsgSignature><![CDATA[fabff8670719a0b942ff09f39446ce54456d412b]]></MsgSignature>
<TimeStamp>1476422779</TimeStamp>
<Nonce><![CDATA[1597212914]]></Nonce>
</xml>"""

B_POST_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/s"
    "YYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJ"
    "YuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGU"
    "callcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDY"
    "A5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
B_PLAINTEXT = """<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>
<FromUserName><![CDATA[mycreate]]></FromUserName>
<CreateTime>1409659813</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[hello]]></Content>
<MsgId>4561255354251345929</MsgId>
<AgentID>218</AgentID>
</xml>"""

C_POST_ENCRYPT = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283d"
    "Gymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwB"
    "iT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54S"
    "NdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91"
    "eBdCRxthuL0="
)
C_PLAINTEXT = """<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>
<FromUserName><![CDATA[messense]]></FromUserName>
<CreateTime>1411525903</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<MsgId>4363689963896700987</MsgId>
<AgentID>1</AgentID>
</xml>"""
C_REPLY_PLAINTEXT = """<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>"""
C_REPLY = """<xml>
<Encrypt><![CDATA[9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3]]></Encrypt>
<MsgSignature><![CDATA[407518b7649e86ef23978113f92d27afa9296533]]></MsgSignature>
<TimeStamp>1411525903</TimeStamp>
<Nonce><![CDATA[461056294]]></Nonce>
</xml>"""

D_ENCRYPT = (
    "cjhLUX7UU4yCSelv1vz7T0zT8huF51bAMVWriNvO1FMegHrQZNrtvRxbwf0fUPsFvwqR0U0fgiJNEA5Y30F2MoI2S7vv3EjVQ68C0cjw"
    "9frBoUE2Hj0BvFp9h3u6Vbsg4lc1C8AtHdaN8orKuNKkLRLuYEL52R1J3v8olJGZRLnRdVKIivixmX/eQpzgeExtp20jI1HxRP1AAZ6x"
    "ZoILdqDPO549LO4WeG+685JRUTdiwcY5fjZlqeMxuT4PpMn1X9OWsS7NRj06Wa5E3Tvg4twjWp39KPfOdRte6P1T4JU="
)
D_PLAINTEXT = ('{ "ToUserName": "wx5823bf96d3bd56c7", "FromUserName": :mycreate", "CreateTime": 1409659813, '
               '"MsgType": "text", "Content": "hello", "MsgId": 4561255354251345929, "AgentID": 218}')

E_ENCRYPT = (
    "/K4xJYsBwQssQzE/v2nbvBP/ewClCYOTfdbPbECNjW3aizYPq/KPK2okRrnjl5VtFyIJboohuFti3Rtz8AoOdiiyJT2DDMDpjG/+c9t9"
    "KO/EYvBwW/MIjzh/FvJYAcGAP3wKw4Pf+YzB4/1d7BX2wlfnWI4acxHONCl6QTadC8l2AUOjtMrKcFOrkVyae9EbnPyDMHcXX/isL/6i"
    "8Dqv1DlurjrvfEbEB+8I1mvOmmiuAmPyCmvmBtM7naT3J+yPhgLnbEfKj1M/hrDLAGgWpIY5Y23l2ktRzWo5vFgPQMTR4X3W0rB60208"
    "IdD9AQvhq4hpET0Efo6pu92sd6k16FD4bw3fMxiir2VV1BtsEcOIUuBY8b063lyWEVp/M47OBHg69THVAHZoIEkvDGv3SBt1UfGIjam9"
    "10n+QpTVD+w="
)
E_PLAINTEXT = (
    '{"msgid":"CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group",'
    '"from":{"userid":"zhangsan"},"response_url":"https://qyapi.weixin.qq.com/cgi-bin/aibot/response?'
    'response_code=RESPONSE_CODE","msgtype":"text","text":{"content":"@审稿机器人 批准"}}'
)
E_REPLY = {
    "encrypt": "/K4xJYsBwQssQzE/v2nbvKhNu4bs6fmEnakSP0uTeVg2+s2F21YyiprPOi92oXlDFSNTAHdvyn+iUkxx5tUdbM5XOs8cr74m"
               "MNDEH1YDBxeNOL7lMH9EVak3cYgADSjp7lR/9NSNMr7jXltQwIcKRF3nFdGnIezAG+6sJDWTR8A=",
    "msgsignature": "b98bf28b5dabcf69286df3ecf0448746c0f59e14", "timestamp": 1700000000, "nonce": "987654321",
}


@pytest.fixture
def fixed_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "random_prefix", lambda: "1234567890123456")


@pytest.mark.parametrize(("keys", "signature", "timestamp", "nonce", "echostr", "expected"), [
    (A, "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "1476416373", "47744683",
     "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==",
     "1288432023552776189"),
    (B, "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780",
     "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
     "1616140317555161061"),
    (C, "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374425",
     "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==",
     "5927782489442352469"),
])
def test_url_verification_vectors(keys: tuple[str, str, str], signature: str, timestamp: str, nonce: str,
                                  echostr: str, expected: str) -> None:
    box = CallbackCrypto(*keys)
    box.verify(signature, timestamp, nonce, echostr)
    assert box.decrypt(echostr) == expected


def test_vector_c_wrong_nonce_is_rejected() -> None:
    with pytest.raises(CallbackRejected) as rejected:
        CallbackCrypto(*C).verify("dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374424",
                                  "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==")
    assert rejected.value.status == 403


@pytest.mark.parametrize(("keys", "signature", "timestamp", "nonce", "encrypted", "expected"), [
    (A, "0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914", A_POST_ENCRYPT, A_PLAINTEXT),
    (B, "477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", B_POST_ENCRYPT, B_PLAINTEXT),
    (C, "74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "1411525903", "461056294", C_POST_ENCRYPT, C_PLAINTEXT),
    (A, "e3647471e395139e2308c1fa963f2d648a00b90e", "1409659813", "1372623149", D_ENCRYPT, D_PLAINTEXT),
    ((A[0], A[1], ""), "579292079dda6c8a197c70925dbf441dee066bab", "1700000000", "987654321", E_ENCRYPT,
     E_PLAINTEXT),
])
def test_message_decryption_vectors(keys: tuple[str, str, str], signature: str, timestamp: str, nonce: str,
                                    encrypted: str, expected: str) -> None:
    box = CallbackCrypto(*keys)
    box.verify(signature, timestamp, nonce, encrypted)
    assert box.decrypt(encrypted) == expected


def test_vector_a_reply_encrypts_exactly(fixed_prefix: None) -> None:
    assert CallbackCrypto(*A).encrypt_xml(A_PLAINTEXT, "1597212914", "1476422779") == A_REPLY


def test_vector_c_reply_encrypts_exactly(fixed_prefix: None) -> None:
    assert CallbackCrypto(*C).encrypt_xml(C_REPLY_PLAINTEXT, "461056294", "1411525903") == C_REPLY


def test_vector_e_stream_reply_encrypts_exactly(fixed_prefix: None) -> None:
    plaintext = json.dumps({"msgtype": "stream", "stream": {"id": "STREAMID", "finish": True, "content": "已批准"}},
                           ensure_ascii=False)
    envelope = CallbackCrypto(A[0], A[1], "").encrypt(plaintext, "987654321", "1700000000")
    assert envelope.encrypt == E_REPLY["encrypt"]
    assert envelope.signature == E_REPLY["msgsignature"]


def test_q01_receiver_id_is_checked() -> None:
    """Vector A's payload, opened as if it were meant for another corp: rejected."""
    box = CallbackCrypto(A[0], A[1], "ww_other_corp")
    with pytest.raises(CallbackRejected) as rejected:
        box.decrypt(A_POST_ENCRYPT)
    assert rejected.value.status == 403


@pytest.mark.parametrize("garbage", ["", "not base64!", "QUJD", "A" * 44, A_POST_ENCRYPT[:-8] + "AAAAAAA="])
def test_malformed_ciphertext_is_a_clean_rejection(garbage: str) -> None:
    with pytest.raises(CallbackRejected):
        CallbackCrypto(*A).decrypt(garbage)


@pytest.mark.parametrize(("timestamp", "ok"), [("1000299", True), ("999701", True), ("1000301", False),
                                               ("999699", False), ("abc", False), ("-5", False), ("", False)])
def test_q02_freshness_window_edges(timestamp: str, ok: bool) -> None:
    if ok:
        crypto.check_freshness(timestamp, 1_000_000.0, 300)
    else:
        with pytest.raises(CallbackRejected):
            crypto.check_freshness(timestamp, 1_000_000.0, 300)


def test_the_random_prefix_is_16_fresh_ascii_bytes() -> None:
    prefixes = {crypto.random_prefix() for _ in range(100)}
    assert len(prefixes) == 100
    assert all(len(prefix.encode()) == 16 and prefix.isascii() for prefix in prefixes)
