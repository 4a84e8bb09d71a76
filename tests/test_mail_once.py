"""An outlet gets a draft's e-mail once: a send that may have reached it is never repeated unasked, a send that
certainly did not is retried, and every failure reaches the editor."""

from __future__ import annotations

import socket
import struct
import threading
import time
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, make_url, select, text, update
from sqlalchemy.orm import Session

from bot import mail, outbox
from bot.db import make_engine
from bot.domain import outlets, submitting
from bot.outbox import Dispatcher
from bot.runtime import Runtime
from models import OutboxMessage, OutboxState, Submission, SubmissionState
from tests.conftest import MAILBOXES, PG_URL, ChatDriver, FrozenClock, Mailbox, Sent
from tests.loopback import free_port
from tests.test_delivery import drain
from tests.test_publishing import approved_draft


class Killed(BaseException):
    """The process dies here: no handler of the program runs (kill -9)."""


def submission_state(runtime: Runtime) -> str:
    with runtime.sessions.begin() as session:
        return session.scalars(select(Submission.state)).one()


def told_lisi(sent: Sent, words: str) -> list[str]:
    return [line for line in sent.lines if words in line and "lisi" in line]


@pytest.mark.parametrize("last_attempt", [False, True])
def test_q09_killed_after_the_outlet_took_the_mail_asks_the_editor_instead_of_sending_again(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch,
        last_attempt: bool) -> None:
    """On the last attempt the claim after it finds the attempts used up: its dead letter said 「邮件没有发出」, and
    both ways out (投递 again, `outbox retry`) sent a second copy (found by a review of 一稿多投)."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网")
    if last_attempt:
        with newsroom.sessions.begin() as session:
            session.execute(update(OutboxMessage).values(attempts=outbox.MAX_ATTEMPTS - 1))
    real = mail.MailTransport._smtp

    def send_then_die(transport: mail.MailTransport, email: EmailMessage) -> None:
        real(transport, email)
        raise Killed

    monkeypatch.setattr(mail.MailTransport, "_smtp", send_then_die)
    with pytest.raises(Killed):
        drain(newsroom)
    monkeypatch.undo()
    clock.advance(minutes=3)  # the lease runs out: a restarted dispatcher takes the row again
    drain(newsroom)
    assert len(mailbox.messages) == 1
    assert submission_state(newsroom) == SubmissionState.unsure  # 投递 全部 passes it by; 投递 naming it sends
    [asked] = told_lisi(sent, "邮件可能已经发出")
    assert "请先向南方网确认是否收到；没有收到再发送「投递 #1 南方网」重新投递" in asked
    assert not told_lisi(sent, "邮件没有发出")
    admins = [line for line in sent.lines if "发件箱" in line and "admin" in line]
    assert len(admins) == last_attempt
    assert all("邮件可能已经发出：请先向该媒体确认，没有收到再运行 newsbot outbox retry" in line for line in admins)
    assert "已排队投递：南方网" in chat.as_member("lisi").says("投递 #1 南方网")  # the editor checked: not there
    drain(newsroom)
    assert len(mailbox.messages) == 2 and submission_state(newsroom) == SubmissionState.sent


def test_q12_a_server_that_confirms_too_late_is_not_sent_the_mail_twice(newsroom: Runtime, mailbox: Mailbox,
                                                                        sent: Sent, clock: FrozenClock) -> None:
    newsroom.transports["mail"] = mail.MailTransport(
        newsroom.sessions, newsroom.settings.model_copy(update={"smtp_timeout_seconds": 0.5}), newsroom.clock)
    mailbox.ack_delay = 1.5  # the message is taken, the 250 comes after the client gave up
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网")
    drain(newsroom)
    mailbox.ack_delay = 0
    clock.advance(hours=2)
    drain(newsroom)
    assert len(mailbox.messages) == 1 and submission_state(newsroom) == SubmissionState.unsure
    assert len(told_lisi(sent, "邮件可能已经发出")) == 1


def test_q10_a_refused_connection_is_no_send_and_is_retried(newsroom: Runtime, mailbox: Mailbox,
                                                            clock: FrozenClock) -> None:
    sent_while_down(newsroom, mailbox)
    assert submission_state(newsroom) == SubmissionState.queued
    mailbox.up()
    clock.advance(hours=2)
    drain(newsroom)
    assert len(mailbox.messages) == 1 and submission_state(newsroom) == SubmissionState.sent


def sent_while_down(runtime: Runtime, mailbox: Mailbox, last_attempt: bool = False) -> ChatDriver:
    """An approved draft 投递 to 南方网 and tried while the SMTP server is down (on its last attempt: dead)."""
    chat = ChatDriver(runtime)
    approved_draft(chat)
    mailbox.down()
    chat.as_member("lisi").says("投递 #1 南方网")
    if last_attempt:
        dead_mail(runtime)
    drain(runtime)
    return chat


def dead_mail(runtime: Runtime) -> None:
    """The queued e-mail's last attempt: its next failure makes it a dead letter."""
    with runtime.sessions.begin() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "mail",
                                                          OutboxMessage.state == OutboxState.pending)).one()
        row.attempts = outbox.MAX_ATTEMPTS


def test_how_a_mail_went_is_told_to_whoever_may_still_send_it(newsroom: Runtime, mailbox: Mailbox, sent: Sent,
                                                              clock: FrozenClock) -> None:
    """A sent draft stays with its editor. One who stopped editing was told to 投递 again, and refused; one who
    left never heard (WeCom refuses them) that the outlet may not have it (found by a review of 一稿多投)."""
    newsroom.transports["mail"] = mail.MailTransport(
        newsroom.sessions, newsroom.settings.model_copy(update={"smtp_timeout_seconds": 0.5}), newsroom.clock)
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    mailbox.down()
    chat.as_member("lisi").says("投递 #1 南方网")
    drain(newsroom)
    assert "通讯员" in chat.as_member("admin").says("成员 角色 lisi 通讯员")
    dead_mail(newsroom)
    clock.advance(hours=2)
    drain(newsroom)
    told = ["[本地模式·未发送] 发给 admin"]
    assert [line.split("：")[0] for line in sent.lines if "投递南方网失败" in line] == told
    mailbox.up()
    mailbox.ack_delay = 1.5  # the 250 comes after the client gave up
    assert "已排队投递：南方网" in chat.as_member("admin").says("投递 #1 南方网")
    drain(newsroom)
    assert [line.split("：")[0] for line in sent.lines if "邮件可能已经发出" in line] == told


def test_sending_again_while_the_first_mail_waits_says_it_waits(newsroom: Runtime, mailbox: Mailbox) -> None:
    """「之前已投递」 read as "the outlet has it" while nothing had left (found by a review of 一稿多投)."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    mailbox.down()
    chat.as_member("lisi").says("投递 #1 南方网")
    drain(newsroom)
    again = chat.as_member("lisi").says("投递 #1 南方网 韶关日报")
    assert "已排队投递：韶关日报" in again and "之前已投递" not in again
    assert "还在排队等待发送（之前的投递，邮件服务器恢复后自动发出）：南方网；发送「稿件 #1」查看状态。" in again


def test_a_mail_queued_for_an_outlet_retired_meanwhile_is_not_sent(newsroom: Runtime, mailbox: Mailbox,
                                                                   sent: Sent, clock: FrozenClock) -> None:
    """投递 while the mail server is down, then 媒体 停用: the e-mail went to the retired outlet when the server
    came back (found by a review of 一稿多投)."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    mailbox.down()
    chat.as_member("lisi").says("投递 #1 韶关日报")
    drain(newsroom)
    assert "排队中的邮件不再发给它" in chat.as_member("admin").says("媒体 停用 韶关日报")
    mailbox.up()
    clock.advance(hours=1)
    drain(newsroom)
    assert mailbox.messages == [] and submission_state(newsroom) == SubmissionState.failed
    assert told_lisi(sent, "没有投递韶关日报：管理员已停用该媒体，邮件没有发出")


class RelayDenied(Mailbox):
    """The office's own mail server reached without logging in: it takes mail for its own domain only."""

    async def handle_RCPT(self, server: object, session: object, envelope: Any, address: str,
                          options: object) -> str:
        if not address.endswith("@lcgt.example"):
            return "550 5.7.1 Relaying denied: authentication required"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refused_recipient_is_reported_in_the_servers_words(newsroom: Runtime, mailbox: Mailbox,
                                                              sent: Sent) -> None:
    """A relay refused to a sender not logged in was blamed on the outlet's mailbox alone, the server's
    「Relaying denied」 dropped (found by a review of 一稿多投)."""
    mailbox.down()
    relay = RelayDenied(port=mailbox.port).up()
    try:
        chat = ChatDriver(newsroom)
        approved_draft(chat)
        chat.as_member("lisi").says("投递 #1 南方网")
        drain(newsroom)
    finally:
        relay.down()
    [report] = [line for line in sent.lines if "发给 admin" in line and "发送失败" in line]
    assert ("邮件服务器拒收收件人 news@southcn.example（550 5.7.1 Relaying denied: authentication required）：请检查"
            "该媒体的邮箱；若每家媒体都被拒收，多半是邮件服务器要求登录后才转发外部邮件") in report


def test_q11_outbox_retry_of_a_dead_mail_sends_it(newsroom: Runtime, mailbox: Mailbox, sent: Sent,
                                                  clock: FrozenClock) -> None:
    sent_while_down(newsroom, mailbox, last_attempt=True)
    assert submission_state(newsroom) == SubmissionState.failed
    assert [line for line in sent.lines if "newsbot outbox retry" in line]  # what the admins are told to do
    mailbox.up()
    with newsroom.sessions.begin() as session:
        assert outbox.retry(session, None, clock()) == 1
    drain(newsroom)
    assert len(mailbox.messages) == 1 and submission_state(newsroom) == SubmissionState.sent


def test_q11_a_retried_dead_letter_that_dies_again_is_reported_again(newsroom: Runtime, mailbox: Mailbox,
                                                                      sent: Sent, clock: FrozenClock) -> None:
    sent_while_down(newsroom, mailbox, last_attempt=True)
    with newsroom.sessions.begin() as session:
        assert outbox.retry(session, None, clock()) == 1  # the server is still down
    with newsroom.sessions.begin() as session:  # its last attempt tries the server once more, and fails
        session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "mail")).one().attempts = (
            outbox.MAX_ATTEMPTS - 1)
    drain(newsroom)
    assert len([line for line in sent.lines if "newsbot outbox retry" in line]) == 2  # the admins, each time
    assert len(told_lisi(sent, "投递南方网失败")) == 2


def test_q11_every_failed_attempt_reaches_the_editor(newsroom: Runtime, mailbox: Mailbox, sent: Sent) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    mailbox.down()
    for _ in range(2):
        assert "已排队投递：南方网" in chat.as_member("lisi").says("投递 #1 南方网")
        dead_mail(newsroom)
        drain(newsroom)
    assert len(told_lisi(sent, "投递南方网失败")) == 2
    assert "投递失败" in chat.as_member("lisi").says("稿件 #1")


def test_an_old_attempt_retried_leaves_the_new_one_alone(newsroom: Runtime, mailbox: Mailbox,
                                                         clock: FrozenClock) -> None:
    chat = sent_while_down(newsroom, mailbox, last_attempt=True)
    mailbox.up()
    chat.as_member("lisi").says("投递 #1 南方网")  # sent again the usual way
    drain(newsroom)
    with newsroom.sessions.begin() as session:
        assert outbox.retry(session, None, clock()) == 1  # and then the first attempt too, by mistake
    drain(newsroom)
    assert len(mailbox.messages) == 1 and submission_state(newsroom) == SubmissionState.sent


def smtp_dropping_the_line_at_data() -> int:
    """A server that takes EHLO, MAIL and RCPT, then drops the line when asked for DATA."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        with connection, connection.makefile("rb") as lines:
            connection.sendall(b"220 ready\r\n")
            while (line := lines.readline()) and not line.upper().startswith(b"DATA"):
                connection.sendall(b"250 ok\r\n")
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return int(listener.getsockname()[1])


def test_q10_a_line_dropped_before_the_whole_mail_was_written_is_no_send(newsroom: Runtime, mailbox: Mailbox,
                                                                         sent: Sent, clock: FrozenClock) -> None:
    """Dropped at DATA, or in the middle of a large mail's upload: no closing dot, no mail. It is retried,
    not reported as 「可能已经发出」."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网")
    dropping = newsroom.settings.model_copy(update={"smtp_port": smtp_dropping_the_line_at_data()})
    newsroom.transports["mail"] = mail.MailTransport(newsroom.sessions, dropping, newsroom.clock)
    drain(newsroom)
    assert submission_state(newsroom) == SubmissionState.queued and not told_lisi(sent, "邮件可能已经发出")
    newsroom.transports["mail"] = mail.MailTransport(newsroom.sessions, newsroom.settings, newsroom.clock)
    clock.advance(hours=2)
    drain(newsroom)
    assert len(mailbox.messages) == 1 and submission_state(newsroom) == SubmissionState.sent


class MailboxWithLogin(Mailbox):
    def up(self) -> Mailbox:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.port = self.port or free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, auth_require_tls=False,
                                     authenticator=lambda *_: AuthResult(success=True))
        self.controller.start()
        return self


def mailed_with(newsroom: Runtime, **settings: object) -> ChatDriver:
    """An approved draft 投递 to 南方网 and sent by e-mail with these SMTP settings changed."""
    newsroom.settings = newsroom.settings.model_copy(update=settings)
    newsroom.transports["mail"] = mail.MailTransport(newsroom.sessions, newsroom.settings, newsroom.clock)
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网")
    drain(newsroom)
    return chat


def test_q10_an_smtp_error_nobody_foresaw_is_no_send(newsroom: Runtime, sent: Sent, clock: FrozenClock) -> None:
    """A password SMTP cannot carry (UnicodeEncodeError in AUTH) is a failed attempt, retried and in the end
    reported to the admins; never 「可能已经发出」."""
    box = MailboxWithLogin().up()
    try:
        mailed_with(newsroom, smtp_port=box.port, smtp_user="xcb", smtp_password=SecretStr("宣传科2026"))
    finally:
        box.down()
    with newsroom.sessions.begin() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "mail")).one()
        assert (row.state, row.attempts) == (OutboxState.pending, 1) and "UnicodeEncodeError" in str(row.last_error)
    assert submission_state(newsroom) == SubmissionState.queued and not told_lisi(sent, "邮件可能已经发出")


def test_q10_purged_rows_never_swallow_a_later_attempt(newsroom: Runtime, mailbox: Mailbox, clock: FrozenClock) -> None:
    """A sent attempt, a dead one, then `newsbot outbox purge-sent`: the next 投递 is queued and sent."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网")
    drain(newsroom)
    with newsroom.sessions.begin() as session:  # 「可能已经发出」, and the outlet said it had nothing
        session.execute(update(Submission).values(state=SubmissionState.failed))
    mailbox.down()
    assert "已排队投递：南方网" in chat.as_member("lisi").says("投递 #1 南方网")
    dead_mail(newsroom)
    drain(newsroom)
    clock.advance(days=40)
    with newsroom.sessions.begin() as session:
        assert outbox.purge_sent(session, clock() - timedelta(days=30)) >= 1
    mailbox.up()
    assert "已排队投递：南方网" in chat.as_member("lisi").says("投递 #1 南方网")
    drain(newsroom)
    assert len(mailbox.messages) == 2 and submission_state(newsroom) == SubmissionState.sent


def test_with_wecom_live_and_no_smtp_nothing_is_recorded_as_sent(live: Runtime, clock: FrozenClock) -> None:
    """Only a trial run in local mode prints e-mail and counts it sent. Live, 投递 says SMTP is missing, and a
    mail queued before its settings were removed waits in the outbox without using its attempts."""
    assert not live.settings.local_mode and not live.settings.mail_configured
    with live.sessions.begin() as session:
        outlets.edit(session, outlets.find(session, "南方网"), {"mailbox": MAILBOXES["南方网"]}, clock(), None)
    chat = ChatDriver(live)
    number = approved_draft(chat)
    refused = chat.as_member("lisi").says(f"投递 #{number} 南方网")
    assert "尚未配置邮件发送服务（SMTP），暂不能投递" in refused and "NEWSBOT_SMTP_HOST" in refused
    assert refused.endswith("设置完成后请重新发送「投递 #1 南方网」。")
    with live.sessions.begin() as session:
        assert session.scalars(select(Submission)).all() == []
    configured = live.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_sender": "xcb@lcgt.example",
                                                  "signature": "办公室"})
    live.settings = live.commands.settings = configured
    assert "已排队投递：南方网" in chat.as_member("lisi").says(f"投递 #{number} 南方网")
    live.settings = configured.model_copy(update={"smtp_host": "", "smtp_sender": ""})
    live.transports["mail"] = mail.MailTransport(live.sessions, live.settings, live.clock)
    drain(live)
    with live.sessions.begin() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "mail")).one()
        assert (row.state, row.attempts) == (OutboxState.pending, 0) and "NEWSBOT_SMTP_HOST" in str(row.last_error)
        assert session.scalars(select(Submission.state)).one() == SubmissionState.queued


@pytest.mark.skipif(not PG_URL, reason="the session's time zone is PostgreSQL's")
def test_the_time_an_e_mail_went_out_is_kept_in_utc_whatever_the_sessions_zone(
        newsroom: Runtime, mailbox: Mailbox, clock: FrozenClock) -> None:
    """Sent at 18:00 in Shanghai on May 31 counts in May, also on a server whose zone is Asia/Shanghai."""
    database = make_url(PG_URL).database
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # as on a server set up in China: postgresql.conf's zone is the machine's
        connection.execute(text(f'ALTER DATABASE "{database}" SET timezone TO \'Asia/Shanghai\''))
    try:
        with_options = make_url(PG_URL).update_query_dict({"options": "-c search_path=elsewhere"})
        engine = make_engine(with_options.render_as_string(hide_password=False))
        with engine.connect() as connection:
            assert connection.scalar(text("SHOW timezone")) == "UTC"
            assert connection.scalar(text("SHOW search_path")) == "elsewhere"  # the operator's options stay
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{database}" RESET timezone'))
        admin.dispose()
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网")
    shanghai = create_engine(PG_URL, connect_args={"options": "-c timezone=Asia/Shanghai"})  # not make_engine's
    with Session(shanghai) as session, session.begin():
        submission = session.scalars(select(Submission)).one()
        submitting.mail_sent(session, submission.id, submission.message_id, clock())
    shanghai.dispose()
    with newsroom.sessions.begin() as session:
        assert session.scalars(select(Submission.sent_at)).one() == clock()


def test_a_mail_slower_than_its_lease_is_neither_taken_over_nor_called_lost(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """A large e-mail still on its way when its 2-minute lease would end: the sender keeps the lease, so a second
    dispatcher (`serve --workers 2`, a `dispatcher` beside the web workers) does not take the row and tell the
    editor the line broke — who, asking 南方网 while it was still arriving, would send it again."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网")
    sender = Dispatcher(newsroom.sessions, newsroom.transports, clock, renew_every=timedelta(milliseconds=20))
    other = newsroom.dispatcher()

    def three_minutes_into_the_upload() -> None:
        clock.advance(minutes=3)
        time.sleep(0.3)  # the sender renews its lease meanwhile (every 20 ms here, every 30 s in service)
        other.run_once()

    mailbox.meanwhile = three_minutes_into_the_upload
    sender.run_once()
    drain(newsroom)
    assert submission_state(newsroom) == SubmissionState.sent and not told_lisi(sent, "可能已经发出")
    assert len(mailbox.messages) == 1
