"""一稿多投 as the outlets receive it (the loopback aiosmtpd mailbox), and what the editor and the admins are told
when one outlet's e-mail goes wrong. Found by a review: each docstring says what went wrong before."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from bot import mail
from bot.runtime import Runtime
from models import Submission, SubmissionState
from tests.conftest import ChatDriver, FrozenClock, Mailbox, Sent
from tests.test_delivery import drain
from tests.test_publishing import approved_draft


def received_by(mailbox: Mailbox, address: str) -> list[Any]:
    return [m for m in mailbox.messages if m["To"] == address]


class SlowToConfirmFor(Mailbox):
    """Takes every message, but confirms the one to `slow` only after the sender gave up waiting."""

    slow: str = ""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        result = await super().handle_DATA(server, session, envelope)
        if self.slow in envelope.rcpt_tos:  # well past the sender's timeout, which a loaded CI machine's
            await asyncio.sleep(3.0)  # connect and greeting must stay well within
        return result


@contextmanager
def slow_mailbox(newsroom: Runtime, mailbox: Mailbox, address: str) -> Iterator[SlowToConfirmFor]:
    """An SMTP server that takes `address`'s e-mail but confirms it too late: the bot records 可能已发出."""
    mailbox.down()
    box = SlowToConfirmFor(port=mailbox.port)
    box.slow = address
    box.up()
    try:
        newsroom.transports["mail"] = mail.MailTransport(
            newsroom.sessions, newsroom.settings.model_copy(update={"smtp_timeout_seconds": 1.0}), newsroom.clock)
        yield box
    finally:
        box.down()


def test_投递_全部_after_a_fix_does_not_resend_to_an_outlet_that_may_already_have_it(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """南方网's server took the e-mail but confirmed too late: the editor is asked to check with 南方网 before
    sending it again. Later an admin fills in another outlet's mailbox and the editor sends 「投递 #1 全部」, as the
    bot's own replies suggest for the outlets still missing: 南方网 silently gets a second copy."""
    with slow_mailbox(newsroom, mailbox, "news@southcn.example") as box:
        chat = ChatDriver(newsroom)
        approved_draft(chat)
        chat.as_member("lisi").says("投递 #1 南方网")
        drain(newsroom)
        assert len(received_by(box, "news@southcn.example")) == 1
        assert any("邮件可能已经发出" in line and "lisi" in line for line in sent.lines)

        chat.as_member("admin").says("媒体 修改 韶关市国土资源局网站 邮箱=tougao@sgland.example")
        reply = chat.as_member("lisi").says("投递 #1 全部")
        clock.advance(minutes=5)
        drain(newsroom)
        assert len(received_by(box, "tougao@sgland.example")) == 1
        # 南方网 was not named: it must not get the article a second time unasked (the reply may remind the
        # editor to check with 南方网 and send 「投递 #1 南方网」 if it did not arrive).
        assert len(received_by(box, "news@southcn.example")) == 1, reply
        assert ("没有再发给南方网：之前的邮件发送时连接中断，可能已经收到。请先向媒体确认；"
                "没有收到再单独发送「投递 #1 南方网」。") in reply, reply
        assert "南方网 可能已发出（请向媒体确认）" in chat.as_member("lisi").says("稿件 #1")
        again = chat.as_member("lisi").says("投递 #1 南方网")  # named: the editor found it did not arrive
        drain(newsroom)
        assert "已排队投递：南方网" in again and len(received_by(box, "news@southcn.example")) == 2


def test_a_new_outlet_for_the_same_mailbox_does_not_get_a_draft_that_mailbox_already_has(
        newsroom: Runtime, mailbox: Mailbox) -> None:
    """The bot itself advises, for a change of level that should keep the history: 「另添加一个媒体（新名称）并停用这
    一个」. The new outlet has the old one's mailbox, and the next 「投递 #1 全部」 sends 韶关日报's newsroom the
    article it already has."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 韶关日报")
    drain(newsroom)
    admin = chat.as_member("admin")
    chat.as_member("lisi").says("刊发 #1 韶关日报 第3版")
    advice = admin.says("媒体 修改 韶关日报 级别=省")
    assert "另添加一个媒体（新名称）并停用这一个" in advice
    admin.says("媒体 修改 韶关日报 级别=市")
    admin.says("媒体 添加 韶关日报社 省 tougao@sgrb.example")
    admin.says("媒体 停用 韶关日报")
    reply = chat.as_member("lisi").says("投递 #1 全部")
    drain(newsroom)
    assert len(received_by(mailbox, "tougao@sgrb.example")) == 1, reply
    assert "没有发给韶关日报社：它的邮箱 tougao@sgrb.example 已收到过这篇稿件（韶关日报，已刊发）。" in reply, reply


def test_one_retired_outlet_in_the_list_does_not_silently_stop_the_others(newsroom: Runtime,
                                                                       mailbox: Mailbox) -> None:
    """「投递 #1 南方网 韶关日报」 with 韶关日报 retired: the reply speaks of 韶关日报 only, so the editor believes
    南方网 has it; nothing was sent to anyone and the draft stays 已批准."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("admin").says("媒体 停用 韶关日报")
    reply = chat.as_member("lisi").says("投递 #1 南方网 韶关日报")
    drain(newsroom)
    assert mailbox.messages == []
    assert reply == ("没有投递任何媒体。媒体「韶关日报」已停用。管理员可发送「媒体 修改 韶关日报 启用=是」重新启用。"
                     "只投其余的请发送「投递 #1 南方网」。"), reply


def test_one_misspelt_outlet_in_the_list_does_not_silently_stop_the_others(newsroom: Runtime,
                                                                         mailbox: Mailbox) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    reply = chat.as_member("lisi").says("投递 #1 南方网 韶关日报 乐昌政府网")
    drain(newsroom)
    assert mailbox.messages == []
    assert reply.startswith("没有投递任何媒体。没有媒体「乐昌政府网」。"), reply
    assert reply.endswith("只投其余的请发送「投递 #1 南方网 韶关日报」。"), reply


def test_a_mailbox_cleared_while_the_mail_waits_is_reported_as_such_not_as_an_smtp_login_problem(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """The mail server is down when 韶关日报's e-mail is queued; meanwhile an admin clears 韶关日报's mailbox (to
    fill in the new one later). The e-mail is then sent with an empty To: the admins read 「邮件服务器拒收收件人 ：
    …请设置 NEWSBOT_SMTP_USER 和 NEWSBOT_SMTP_PASSWORD」 about 「发往 tougao@sgrb.example」, none of it true."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    mailbox.down()
    chat.as_member("lisi").says("投递 #1 韶关日报")
    drain(newsroom)
    chat.as_member("admin").says("媒体 修改 韶关日报 邮箱=")
    mailbox.up()
    clock.advance(hours=1)
    drain(newsroom)
    [report] = [line for line in sent.lines if "发给 admin" in line and "发送失败" in line] or [""]
    told = [line for line in sent.lines if "发给 lisi" in line and "韶关日报" in line and "没有" in line]
    assert report == "" and mailbox.messages == [], report
    assert any("没有投递韶关日报：该媒体的邮箱已被清空，邮件没有发出。管理员设置邮箱" in line for line in told), told


class RefusesOne(Mailbox):
    """The outlets' servers: 南方网's mailbox does not exist."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address == "news@southcn.example":
            return "550 5.1.1 <news@southcn.example>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_the_admins_are_told_which_outlet_and_draft_a_refused_mailbox_belongs_to(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent) -> None:
    """One outlet's wrong mailbox does not stop the others (good), and the editor is told 南方网 failed. The
    admins, who must fix the mailbox, read 「投稿邮件（投递记录 4）发往 news@southcn.example … 请检查该媒体的邮
    箱」: no outlet name (the command to fix it is 「媒体 修改 南方网 邮箱=…」) and no draft number — 投递记录 4 is
    an internal id no chat command shows."""
    mailbox.down()
    box = RefusesOne(port=mailbox.port).up()
    try:
        chat = ChatDriver(newsroom)
        approved_draft(chat)
        chat.as_member("lisi").says("投递 #1 全部")
        drain(newsroom)
        assert sorted(m["To"] for m in box.messages) == ["tougao@sgrb.example", "wx@lcgt.example",
                                                         "xxgk@lechang.example"]
    finally:
        box.down()
    [report] = [line for line in sent.lines if "发给 admin" in line and "发送失败" in line]
    assert "稿件 #1《乐昌开展世界地球日宣传》投递南方网的邮件（发往 news@southcn.example；" in report, report
    assert "「媒体 修改 南方网 邮箱=地址」" in report, report


def test_the_retry_the_admins_were_told_to_run_sends_the_mail_even_after_a_second_attempt_died(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """南方网's mailbox is wrong: the first e-mail dies (admins: 「newsbot outbox retry 9」), the editor tries
    「投递 #1 南方网」 again before the fix and it dies too (a second notice). The admin fixes the mailbox and runs
    the first retry the bot gave: the row is marked sent, nothing goes out, and nobody is told."""
    from bot import outbox
    from models import OutboxMessage

    mailbox.down()
    box = RefusesOne(port=mailbox.port).up()
    try:
        chat = ChatDriver(newsroom)
        approved_draft(chat)
        chat.as_member("lisi").says("投递 #1 南方网")
        drain(newsroom)
        chat.as_member("lisi").says("投递 #1 南方网")
        drain(newsroom)
        notices = [line for line in sent.lines if "发给 admin" in line and "newsbot outbox retry" in line]
        assert len(notices) == 2
        first = int(notices[0].split("newsbot outbox retry ")[1].split()[0])
        chat.as_member("admin").says("媒体 修改 南方网 邮箱=tougao@southcn.example")
        before = len(sent.lines)
        with newsroom.sessions.begin() as session:  # what `newsbot outbox retry <first>` does
            assert outbox.retry(session, [first], clock()) == 1
        drain(newsroom)
        with newsroom.sessions.begin() as session:
            row = session.get(OutboxMessage, first)
            state = session.scalars(select(Submission.state)).one()
        went = received_by(box, "tougao@southcn.example")
        told = [line for line in sent.lines[before:] if "南方网" in line]
        assert len(went) == 1 and state == SubmissionState.sent and row.state == "sent", (row.state, state, told)
    finally:
        box.down()


def test_a_title_too_long_for_one_outlet_is_refused_with_a_way_to_send_it(newsroom: Runtime,
                                                                        mailbox: Mailbox) -> None:
    """韶关日报 takes titles of up to 24 characters. 「未投 韶关日报：标题 26 字，超过 24 字」 names no way out, and
    there is none: 修改 changes only the text (a 「标题：…」 line sent with it becomes part of the article the
    outlets receive), and no command changes a title."""
    chat = ChatDriver(newsroom)
    approved_draft(chat, title="乐昌市自然资源局开展2026年全国防灾减灾日宣传活动")
    reply = chat.as_member("lisi").says("投递 #1 韶关日报")
    assert "标题 26 字，超过 24 字" in reply
    # Every error names what was wrong and what to type instead (product.md, chat commands).
    assert reply.endswith("未投 韶关日报：标题 26 字，超过 24 字\n要投这些媒体，请发送「修改 #1」改正文"
                          "（标题另起一行写「标题：新标题」），改后需重新批准，再投递。"), reply


def test_an_outlet_that_published_before_any_e_mail_is_not_said_to_have_been_sent_it(newsroom: Runtime,
                                                                                     mailbox: Mailbox) -> None:
    """A reprint found and recorded (刊发) before 投递: 「之前已投递：韶关日报」, though no e-mail ever went."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("刊发 #1 韶关日报 https://sgrb.example/a/1.html")
    reply = chat.as_member("lisi").says("投递 #1 韶关日报 南方网")
    drain(newsroom)
    assert received_by(mailbox, "tougao@sgrb.example") == []
    assert "之前已有记录，没有再发：韶关日报（已刊发）" in reply, reply
