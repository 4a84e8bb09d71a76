"""`newsbot mail check`, and the reason the admins read when e-mail cannot go: each wrong SMTP setting is named
with what to set, against real SMTP servers on loopback (plain, STARTTLS with a self-signed certificate, login)."""

from __future__ import annotations

import datetime as dt
import smtplib
import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from bot import mail
from bot.cli import main
from bot.config import Settings, get_settings
from bot.runtime import Runtime
from models import OutboxMessage
from tests.conftest import FrozenClock, Mailbox
from tests.loopback import free_port
from tests.test_delivery import drain
from tests.test_mail_once import mailed_with


class MailboxWith(Mailbox):
    """The loopback mailbox with the server's options: STARTTLS, and a login that always fails."""

    def __init__(self, **options: Any) -> None:
        super().__init__()
        self.options = options

    def up(self) -> Mailbox:
        from aiosmtpd.controller import Controller

        self.port = self.port or free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()
        return self


def self_signed(tmp_path: Path) -> ssl.SSLContext:
    """A server context with a certificate no client trusts (what a misconfigured in-house server has)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.lcgt.example")])
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
                   .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


@pytest.fixture
def check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str,
          capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """`newsbot mail check ARGS` with these NEWSBOT_SMTP_* settings: (exit status, what it printed)."""
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("NEWSBOT_SIGNATURE", "乐昌市自然资源局办公室")

    def run(*args: str, **smtp: object) -> tuple[int, str]:
        for name in ("host", "port", "tls", "user", "password", "sender"):
            monkeypatch.delenv(f"NEWSBOT_SMTP_{name.upper()}", raising=False)
        for name, value in smtp.items():
            monkeypatch.setenv(f"NEWSBOT_SMTP_{name.upper()}", str(value))
        get_settings.cache_clear()
        status = main(["mail", "check", *args])
        printed = capsys.readouterr()
        return status, printed.out + printed.err

    yield run


def test_a_working_server_gets_the_test_email(check: Any, mailbox: Mailbox) -> None:
    status, printed = check("--to", "xcb@lcgt.example", host="127.0.0.1", port=mailbox.port, tls="none",
                            sender="xcb@lcgt.example")
    assert status == 0, printed
    assert f"已连接 127.0.0.1:{mailbox.port}（加密方式 none），未登录" in printed
    assert "测试邮件已发给 xcb@lcgt.example" in printed
    [message] = mailbox.messages
    assert message["Subject"] == "newsbot 邮件设置测试" and message["To"] == "xcb@lcgt.example"
    assert "乐昌市自然资源局办公室" in message.get_content()


def test_each_wrong_setting_is_named(check: Any, mailbox: Mailbox, tmp_path: Path) -> None:
    plain = {"host": "127.0.0.1", "port": mailbox.port, "sender": "xcb@lcgt.example"}
    status, printed = check(**plain, tls="starttls")
    assert status == 2 and "不支持 STARTTLS：该端口若是 465，请设 NEWSBOT_SMTP_TLS=ssl" in printed
    status, printed = check(**plain, tls="ssl")
    assert status == 2 and "加密握手失败" in printed and "请检查两项是否相配（现为 ssl、" in printed
    status, printed = check(**{**plain, "port": free_port()}, tls="none")
    assert status == 2 and "无法连接邮件服务器" in printed and "NEWSBOT_SMTP_PORT" in printed
    status, printed = check()
    assert status == 2 and "未设置 NEWSBOT_SMTP_HOST 和 NEWSBOT_SMTP_SENDER" in printed
    assert mailbox.messages == []


def test_an_untrusted_certificate_is_named(check: Any, tmp_path: Path) -> None:
    box = MailboxWith(tls_context=self_signed(tmp_path), require_starttls=False).up()
    try:
        status, printed = check(host="127.0.0.1", port=box.port, tls="starttls", sender="xcb@lcgt.example")
    finally:
        box.down()
    assert status == 2 and "证书验证失败" in printed and "不能写 IP 地址" in printed


def test_a_refused_login_is_named(check: Any) -> None:
    from aiosmtpd.smtp import AuthResult

    box = MailboxWith(auth_require_tls=False, authenticator=lambda *_: AuthResult(success=False, handled=False)).up()
    try:
        status, printed = check(host="127.0.0.1", port=box.port, tls="none", sender="xcb@lcgt.example",
                                user="xcb@lcgt.example", password="wrong")
    finally:
        box.down()
    assert status == 2 and "SMTP 登录失败（535）" in printed and "授权码" in printed
    assert "wrong" not in printed  # never the password


def test_the_dispatcher_keeps_the_mail_and_says_which_setting(newsroom: Runtime, clock: FrozenClock) -> None:
    """A setting no retry mends: tried again every ten minutes (not in seconds), the reason in Chinese; the admins
    hear of it at once, once a day (they heard at the dead letter, about six hours after 投递)."""
    mailed_with(newsroom, smtp_tls="starttls")  # the loopback mailbox has no STARTTLS
    with newsroom.sessions.begin() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "mail")).one()
        assert "不支持 STARTTLS" in str(row.last_error) and row.attempts == 0  # uncounted: it waits for the fix
        assert row.next_attempt_at.replace(tzinfo=dt.UTC) - clock() == timedelta(minutes=10)
    for _ in range(3):
        clock.advance(minutes=10)
        drain(newsroom)
    with newsroom.sessions.begin() as session:
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("mail-setting:%"))).all()
        assert [m.recipient for m in told] == ["admin"]
        assert told[0].payload["text"]["content"].startswith("给媒体的邮件发不出去：邮件服务器")
        assert "newsbot mail check" in told[0].payload["text"]["content"]


class SpamFilter(Mailbox):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "554 5.7.1 Message rejected as spam"


def test_a_refused_mail_is_explained_to_the_admins_in_words(newsroom: Runtime) -> None:
    box = SpamFilter().up()
    try:
        chat = mailed_with(newsroom, smtp_port=box.port)
    finally:
        box.down()
    [notice] = [m.payload["text"]["content"] for m in chat.outbox() if m.dedupe_key.startswith("deadletter:")]
    assert "原因：邮件服务器拒收这封邮件（554 5.7.1 Message rejected as spam），可能被判为垃圾邮件" in notice
    assert "b'" not in notice


def test_a_busy_greeting_and_a_465_port_without_ssl_are_named(check: Any, settings: Settings) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        def greet_busy() -> None:
            connection, _ = server.accept()
            connection.sendall(b"421 4.7.0 Too many connections, try later\r\n")
            connection.close()

        thread = threading.Thread(target=greet_busy)
        thread.start()
        status, printed = check(host="127.0.0.1", port=server.getsockname()[1], tls="none", sender="xcb@lcgt.example")
        thread.join()
    assert status == 2 and "拒绝连接（421 4.7.0 Too many connections, try later）" in printed and "b'" not in printed
    smtps = settings.model_copy(update={"smtp_host": "smtp.qq.com", "smtp_port": 465, "smtp_tls": "starttls"})
    for silence in (TimeoutError("timed out"), smtplib.SMTPServerDisconnected("Connection unexpectedly closed")):
        problem = mail.setting_problem(silence, smtps)
        assert "465 端口一开始就要加密，请设 NEWSBOT_SMTP_TLS=ssl（现为 starttls）" in problem
