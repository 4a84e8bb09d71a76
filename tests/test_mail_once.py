"""An outlet gets a draft's e-mail once: a send that may have reached it is never repeated unasked, a send that
certainly did not is retried, and every failure reaches the editor."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from bot import mail, outbox
from bot.runtime import Runtime
from models import OutboxMessage, OutboxState, Submission, SubmissionState
from tests.conftest import ChatDriver, FrozenClock, Mailbox, Sent
from tests.test_delivery import drain
from tests.test_publishing import approved_draft


class Killed(BaseException):
    """The process dies here: no handler of the program runs (kill -9)."""


def submission_state(runtime: Runtime) -> str:
    with runtime.sessions.begin() as session:
        return session.scalars(select(Submission.state)).one()


def told_lisi(sent: Sent, words: str) -> list[str]:
    return [line for line in sent.lines if words in line and "lisi" in line]


def test_q09_killed_after_the_outlet_took_the_mail_asks_the_editor_instead_of_sending_again(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网")
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
    assert submission_state(newsroom) == SubmissionState.failed
    [asked] = told_lisi(sent, "邮件可能已经发出")
    assert "请先向南方网确认是否收到；没有收到再发送「投递 #1 南方网」重新投递" in asked
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
    assert len(mailbox.messages) == 1 and submission_state(newsroom) == SubmissionState.failed
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
