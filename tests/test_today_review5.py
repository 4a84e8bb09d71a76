"""An adversarial review of the day's changes (b57bae5..): each docstring says what went wrong in them before."""

from __future__ import annotations

from sqlalchemy import select

from bot import outbox
from bot.runtime import Runtime
from models import Draft, DraftState, DraftVersion, Lead
from tests.conftest import ChatDriver, FrozenClock, Mailbox, Sent
from tests.test_delivery import drain
from tests.test_editor_month import sent_where_南方网_refuses
from tests.test_outlet_mails import received_by
from tests.test_publishing import ARTICLE, approved_draft


def _state(runtime: Runtime, number: int = 1) -> str:
    with runtime.sessions.begin() as session:
        return session.get(Draft, number).state


def test_a_withdrawn_draft_is_not_mailed_by_outbox_retry_of_its_dead_letter(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """#1 goes to 南方网 only; 南方网's server refuses the address, the e-mail dies. The author, seeing
    「邮件都没有发出」, sends 「撤回 #1」 (allowed since today: no e-mail left). The admins were told
    「处理后可运行 newsbot outbox retry N 重新发送」; the next day the admin fixes the mailbox and runs
    `newsbot outbox retry --all-dead`. Today the withdrawn article is mailed to 南方网 (start_sending never looks at
    the draft). Expected: a withdrawn draft (likewise one 修改'd back to 待审核) is never mailed by a retry."""
    with sent_where_南方网_refuses(newsroom, mailbox) as chat:
        assert "已撤回" in chat.as_member("zhangsan").says("撤回 #1")
    mailbox.up()  # the outlet's address works again
    with newsroom.sessions.begin() as session:
        assert outbox.retry(session, None, clock()) >= 1
    drain(newsroom)
    assert _state(newsroom) == DraftState.withdrawn
    assert received_by(mailbox, "news@southcn.example") == []


def test_two_leads_written_with_a_colon_are_not_saved_as_one(chat: ChatDriver) -> None:
    """张三 sends two leads in one message, as people write them: 「线索：坪石镇垦造水田下月验收⏎线索：九峰镇
    李花节下周开幕」. Before today 线索's handler refused it as two 线索 commands; since it counts a repeated word
    only before a blank, # or the line's end (router.lines_beginning_with), 「线索：」 on the second line is no
    second command and both are saved as one lead (the meeting lists them as one item, one provider). Expected:
    refused as two commands, as before, while 「线索提供人：李明」 still is no second command."""
    reply = chat.as_member("zhangsan").says("线索：坪石镇垦造水田下月验收\n线索：九峰镇李花节下周开幕")
    with chat.runtime.sessions.begin() as session:
        saved = session.scalars(select(Lead)).all()
    assert len(saved) != 1, reply


def test_a_bare_批准_of_the_corrected_draft_after_another_approver_approved_its_first_text(
        chat: ChatDriver, clock: FrozenClock) -> None:
    """周七 approves #1; two minutes later its editor 李四 corrects a figure (「修改 #1」: the approval is void, #1
    waits again) and 王五 is told #1 waits for him. He reads it and sends 「批准」. Today: 「没有批准任何稿件：稿件 #1
    刚由 周七 批准，无需您再审核。待您审核的只有稿件 #1，要批准它请发送「批准 #1」」 — it says #1 needs no review
    and that #1 is the one to review, in one breath. Expected: a bare 批准 of the only draft waiting, when the
    draft just decided is that very draft (now waiting again), approves it (or at least says nothing false)."""
    title = "乐昌开展世界地球日宣传"
    chat.as_member("zhangsan").says(f"投稿 {title}\n{ARTICLE}")
    with chat.runtime.sessions.begin() as session:
        editor = session.get(Draft, 1).editor.userid
    chat.as_member(editor).says("送审 #1")
    assert "已批准" in chat.as_member("zhouqi").says("批准 #1")
    clock.advance(minutes=2)
    assert "原批准已作废" in chat.as_member(editor).says("修改 #1\n" + ARTICLE.replace("4月22日", "4月23日"))
    assert _state(chat.runtime) == DraftState.pending
    clock.advance(minutes=2)
    reply = chat.as_member("wangwu").says("批准")
    assert _state(chat.runtime) == DraftState.approved, reply


def test_a_draft_whose_only_failed_e_mail_was_marked_不采用_may_still_be_withdrawn(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent) -> None:
    """#1 goes to 南方网 only and the e-mail is refused. 「稿件 #1」 says 邮件都没有发出 and 「不再投请「不采用 #1
    南方网」」, which the editor sends. The author then withdraws the article: 「已投递，不能撤回。请直接联系媒体
    撤稿」 — no outlet ever had it, and 修改 is refused alike. review.none_sent counts only `failed` e-mails, so
    following the bot's own advice (不采用) locks the draft for good. Expected: a draft no e-mail of which left
    (no submission with sent_at; failed or not_used ones) may be withdrawn or corrected."""
    with sent_where_南方网_refuses(newsroom, mailbox) as chat:
        lisi = chat.as_member("lisi")
        assert "不采用 #1 媒体名称" in lisi.says("稿件 #1")
        lisi.says("不采用 #1 南方网")
        reply = chat.as_member("zhangsan").says("撤回 #1")
    assert _state(newsroom) == DraftState.withdrawn, reply


def test_mail_held_for_a_wrong_smtp_setting_does_not_go_out_after_the_editor_corrected_the_draft(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """Friday evening the SMTP 授权码 expires; 李四 sends 「投递 #1 南方网」 — 已排队投递. The e-mail is held,
    uncounted, for as long as the setting stays wrong (since today: before, it died after six hours). Saturday
    李四 finds a wrong date and sends 「修改 #1」: 「已投递，不能修改」, though nothing left (a draft none of whose
    e-mails left may be corrected — but only `failed` ones count, and held ones are `queued`); 撤回 is refused too.
    Monday the admin fixes the setting and the uncorrected article goes to 南方网 by itself. Expected: while no
    e-mail left, 修改 works (the held e-mail is stopped with the approval), and the old text is never sent."""
    from bot import mail
    newsroom.settings = newsroom.settings.model_copy(update={"smtp_tls": "starttls"})
    newsroom.transports["mail"] = mail.MailTransport(newsroom.sessions, newsroom.settings, newsroom.clock)
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    lisi = chat.as_member("lisi")
    lisi.says("投递 #1 南方网")
    for _ in range(6):
        drain(newsroom)
        clock.advance(minutes=10)
    reply = lisi.says("修改 #1\n" + ARTICLE.replace("4月22日", "4月23日"))
    newsroom.settings = newsroom.settings.model_copy(update={"smtp_tls": "none"})  # fixed, and restarted
    newsroom.transports["mail"] = mail.MailTransport(newsroom.sessions, newsroom.settings, newsroom.clock)
    for _ in range(6):
        drain(newsroom)
        clock.advance(minutes=10)
    with newsroom.sessions.begin() as session:
        versions = session.scalars(select(DraftVersion.number)).all()
    assert sorted(versions) == [1, 2], reply
    assert "排队待发的邮件（南方网）已停发；重新批准后请再发送「投递 #1 南方网」" in reply, reply
    for message in received_by(mailbox, "news@southcn.example"):
        assert "4月22日" not in message.get_body(("plain",)).get_content(), reply


def test_a_draft_its_outlet_had_at_its_old_mailbox_is_not_taken_for_one_no_outlet_got(
        newsroom: Runtime, mailbox: Mailbox) -> None:
    """#1 reaches 韶关日报 at tougao@sgrb.example. 韶关日报 announces a new 投稿邮箱; the admin enters it (with a
    typo the server refuses) and the editor, as the bot suggests, sends 「投递 #1 韶关日报」: the e-mail to the new
    address fails. Today 「稿件 #1」 says 「邮件都没有发出」 and offers 修改, and 「撤回 #1」 withdraws it — though the
    article is in 韶关日报's old mailbox (review.none_sent reads only the state, which the re-send turned from
    sent to failed). Expected: a draft one of whose e-mails left (sent_at set) is not withdrawn as unsent."""
    from typing import Any

    class RefusesNew(Mailbox):
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
            if address == "new@sgrb.example":
                return "550 5.1.1 <new@sgrb.example>: Recipient address rejected: User unknown"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    chat = ChatDriver(newsroom)
    approved_draft(chat)
    lisi = chat.as_member("lisi")
    lisi.says("投递 #1 韶关日报")
    drain(newsroom)
    assert len(received_by(mailbox, "tougao@sgrb.example")) == 1
    mailbox.down()
    box = RefusesNew(port=mailbox.port).up()
    try:
        chat.as_member("admin").says("媒体 修改 韶关日报 邮箱=new@sgrb.example")
        lisi.says("投递 #1 韶关日报")
        drain(newsroom)
        detail = lisi.says("稿件 #1")
        reply = chat.as_member("zhangsan").says("撤回 #1")
    finally:
        box.down()
    assert "邮件都没有发出" not in detail, detail
    assert _state(newsroom) != DraftState.withdrawn, reply


def test_another_members_text_refused_does_not_advise_withdrawing_a_draft_already_sent(
        newsroom: Runtime, mailbox: Mailbox) -> None:
    """张三's #1 is approved and 投递'd to 韶关日报. 陈一, forwarded the text, submits it under his own title. The
    refusal (right) says 「如这篇应由您投稿，请 张三 或管理员发送「撤回 #1」后再投」 — but #1 has gone to an
    outlet and 撤回 is refused (「已投递，不能撤回」): advice nobody can follow. Expected: for a draft past 投递
    (or 刊发), the refusal names it and its state without suggesting 撤回."""
    from tests.test_event_day import units
    chat = ChatDriver(newsroom)
    units(chat)
    approved_draft(chat)
    assert "已排队投递" in chat.as_member("lisi").says("投递 #1 韶关日报")
    drain(newsroom)
    reply = chat.as_member("c1").says(f"投稿 我局开展地球日宣传活动\n{ARTICLE}")
    assert "完全相同" in reply, reply
    assert "撤回 #1" not in reply, reply
