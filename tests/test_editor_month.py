"""The editor's month of 一稿多投 (found by a review): mail held for a wrong setting, a mailbox that
changed, and a draft no outlet got."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from bot import mail
from bot.runtime import Runtime
from models import DraftVersion, Submission, SubmissionState
from tests.conftest import ChatDriver, FrozenClock, Mailbox, Sent
from tests.test_delivery import drain
from tests.test_outlet_mails import RefusesOne, received_by
from tests.test_publishing import ARTICLE, approved_draft


@contextmanager
def sent_where_南方网_refuses(newsroom: Runtime, mailbox: Mailbox) -> Iterator[ChatDriver]:
    """#1 approved and given to 南方网 only, whose server refuses the address: no outlet has it."""
    mailbox.down()
    box = RefusesOne(port=mailbox.port).up()
    try:
        chat = ChatDriver(newsroom)
        approved_draft(chat)
        chat.as_member("lisi").says("投递 #1 南方网")
        drain(newsroom)
        yield chat
    finally:
        box.down()


def test_an_outlet_whose_mailbox_was_corrected_can_be_sent_the_draft_at_its_new_address(
        newsroom: Runtime, mailbox: Mailbox) -> None:
    """The editor sends #1 to 韶关日报; the office's relay takes it (the bounce reaches only the sender's
    mailbox days later), or 韶关日报 announces a new 投稿邮箱 mid-month. The admin corrects the mailbox with
    「媒体 修改 韶关日报 邮箱=…」 and the editor sends 「投递 #1 韶关日报」: the bot answers 「之前已有记录，没有再发：
    韶关日报（已投递）」 and nothing goes to the new address. No chat command and no CLI command sends it again, and
    「稿件 #1」 says 已投递 without the address it went to. Now the e-mail goes to the outlet's address of now when
    the outlet is named (its mailbox never had it); 「投递 #1 全部」 does not repeat it, saying which mailbox had it."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    lisi = chat.as_member("lisi")
    lisi.says("投递 #1 韶关日报")
    drain(newsroom)
    assert len(received_by(mailbox, "tougao@sgrb.example")) == 1
    chat.as_member("admin").says("媒体 修改 韶关日报 邮箱=news@sgrb.example")
    everywhere = lisi.says("投递 #1 全部")
    assert ("没有再发给韶关日报：之前已投递到它原来的邮箱 tougao@sgrb.example，现在的邮箱是 news@sgrb.example。"
            "需要发到新邮箱请单独发送「投递 #1 韶关日报」。") in everywhere, everywhere
    drain(newsroom)
    assert received_by(mailbox, "news@sgrb.example") == []
    reply = lisi.says("投递 #1 韶关日报")
    drain(newsroom)
    assert len(received_by(mailbox, "news@sgrb.example")) == 1, reply
    assert len(received_by(mailbox, "tougao@sgrb.example")) == 1  # the old address gets no second copy
    assert "之前已有记录，没有再发：韶关日报（已投递）" in lisi.says("投递 #1 韶关日报")  # once at the new one


def test_a_draft_whose_every_e_mail_failed_can_still_be_corrected(newsroom: Runtime, mailbox: Mailbox,
                                                                     sent: Sent) -> None:
    """The editor sends #1 to 南方网 only; 南方网's mailbox is refused (550), so no outlet has the article
    (「稿件 #1」 itself says 邮件都没有发出). The editor then finds a wrong figure and sends 「修改 #1」 with the
    corrected text: 「稿件 #1 当前已投递，不能修改。发送「稿件 #1」查看。」 — and 撤回 is refused too, telling
    the author to ask the outlet to withdraw an article it never received. The draft can only go out with the
    known error. Expected: while no e-mail of it has left (or may have), 修改 works as after approval (a new
    version, the approval voided and asked again)."""
    with sent_where_南方网_refuses(newsroom, mailbox) as chat:
        reply = chat.as_member("lisi").says("修改 #1\n" + ARTICLE.replace("4月22日", "4月23日"))
    with newsroom.sessions.begin() as session:
        versions = session.scalars(select(DraftVersion.number)).all()
    assert sorted(versions) == [1, 2], reply


def test_mail_held_for_a_wrong_smtp_setting_is_sent_once_the_setting_is_fixed(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """Friday 18:00 the office's SMTP setting goes wrong (here: STARTTLS the server does not offer; in life an
    expired 授权码). The admins are told 「邮件留在发件箱，改好设置并重启后会自动发出」 (README: 「the e-mails kept
    until it is fixed」). The admin fixes it the next morning: nothing goes out. Each try every ten minutes counted
    as an attempt, so after 36 (six hours) the e-mails died, every editor was told 「投递…失败」 and each outlet must
    be sent again by hand. Expected: held mail goes out by itself once the setting is right."""
    newsroom.settings = newsroom.settings.model_copy(update={"smtp_tls": "starttls"})
    newsroom.transports["mail"] = mail.MailTransport(newsroom.sessions, newsroom.settings, newsroom.clock)
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网 韶关日报")
    for _ in range(15 * 6):  # fifteen hours, overnight
        drain(newsroom)
        clock.advance(minutes=10)
    assert any("改好设置并重启后会自动发出" in line for line in sent.lines)
    newsroom.settings = newsroom.settings.model_copy(update={"smtp_tls": "none"})  # fixed, and restarted
    newsroom.transports["mail"] = mail.MailTransport(newsroom.sessions, newsroom.settings, newsroom.clock)
    for _ in range(6):
        drain(newsroom)
        clock.advance(minutes=10)
    with newsroom.sessions.begin() as session:
        states = sorted(session.scalars(select(Submission.state)).all())
    assert sorted(m["To"] for m in mailbox.messages) == ["news@southcn.example", "tougao@sgrb.example"], states
    assert states == [SubmissionState.sent, SubmissionState.sent]


def test_a_corrected_draft_no_outlet_got_goes_out_as_corrected_or_is_withdrawn(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent) -> None:
    """After the fix above: 「稿件 #1」 offers 修改 while no e-mail left; the corrected text needs the approver
    again, and the next 投递 to the outlet whose send failed carries v2, not the v1 that failed. A draft none of
    whose e-mails left may also be withdrawn (it was refused, telling the author to ask the outlet)."""
    with sent_where_南方网_refuses(newsroom, mailbox) as chat:
        lisi = chat.as_member("lisi")
        assert "要先改正文，请发送「修改 #1」和完整正文，改后需审核人重新批准" in lisi.says("稿件 #1")
        reply = lisi.says("修改 #1\n" + ARTICLE.replace("4月22日", "4月23日"))
        assert "原批准已作废" in reply, reply
        assert "批准后才能投递" in lisi.says("投递 #1 南方网")
        assert "已批准" in chat.as_member("wangwu").says("批准 #1")
    mailbox.up()
    chat.as_member("admin").says("媒体 修改 南方网 邮箱=tougao@southcn.example")
    assert "已排队投递" in lisi.says("投递 #1 南方网")
    drain(newsroom)
    with newsroom.sessions.begin() as session:
        assert session.scalars(select(Submission.version)).all() == [2]
    [mail] = received_by(mailbox, "tougao@southcn.example")
    assert "4月23日" in mail.get_body(("plain",)).get_content()


def test_a_draft_none_of_whose_e_mails_left_may_be_withdrawn(newsroom: Runtime, mailbox: Mailbox) -> None:
    with sent_where_南方网_refuses(newsroom, mailbox) as chat:
        assert "已撤回" in chat.as_member("zhangsan").says("撤回 #1")


def test_the_editor_hears_within_the_hour_when_the_mail_server_is_down(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """The office's mail server is unreachable on an event day. The editor's 投递 said 「已排队投递」 and then
    nothing: the first word came with the dead letter, about a day later, too late for the news. An hour on, the
    editor hears once which outlet is still waiting and why, while the bot keeps trying; the e-mail goes when the
    server is back."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    mailbox.down()
    chat.as_member("lisi").says("投递 #1 韶关日报")
    late = "投递已一小时，发给韶关日报的邮件还没有发出（暂时连不上邮件服务器，会继续自动重试）"
    for _ in range(5):
        drain(newsroom)
        clock.advance(minutes=10)
    assert not any(late in line for line in sent.lines)
    for _ in range(12):
        drain(newsroom)
        clock.advance(minutes=10)
    told = [line for line in sent.lines if late in line]
    assert len(told) == 1 and "lisi" in told[0] and "韶关日报" in told[0], told
    mailbox.up()
    for _ in range(12):
        drain(newsroom)
        clock.advance(minutes=30)
    assert len(received_by(mailbox, "tougao@sgrb.example")) == 1
