"""What 稿件 #N says of e-mail the mail server holds (found reading what the bot tells people)."""

from __future__ import annotations

from bot.runtime import Runtime
from tests.conftest import ChatDriver, FrozenClock, Mailbox, Sent
from tests.test_publishing import approved_draft
from tests.test_today_review6 import _run, _wrong_smtp


def held_for_南方网(newsroom: Runtime, clock: FrozenClock) -> ChatDriver:
    """#1 approved and sent to 南方网 with a wrong SMTP setting: its e-mail waits (past the hour)."""
    _wrong_smtp(newsroom, True)
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网")
    _run(newsroom, clock, rounds=8)
    return chat


def test_a_draft_whose_mail_is_held_is_not_shown_as_sent(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """The SMTP setting is wrong; 李四 sends 「投递 #1 南方网」 and the e-mail waits. 稿件 #1 said 「状态：已投递」,
    though nothing left: the editor thinks 南方网 has it. Expected: it says the e-mail waits and goes out by
    itself, and that a correction can still be made before it does (修改 stops the waiting e-mail)."""
    detail = held_for_南方网(newsroom, clock).as_member("lisi").says("稿件 #1")
    assert ("状态：邮件都还没有发出（给南方网的邮件正排队等待发送，会自动发出；"
            "要在发出前改正文，请发送「修改 #1」") in detail
    assert "南方网 待发送" in detail


def test_a_draft_sent_to_one_outlet_and_waiting_for_another_says_so(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """南方网 has the e-mail; then the setting breaks and 韶关日报's waits. 稿件 #1 says it was sent, and that
    韶关日报's waits — no 修改 offered: one outlet has the text already."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网")
    _run(newsroom, clock, rounds=1)
    _wrong_smtp(newsroom, True)
    chat.as_member("lisi").says("投递 #1 韶关日报")
    _run(newsroom, clock, rounds=2)
    detail = chat.as_member("lisi").says("稿件 #1")
    assert "状态：已投递（给韶关日报的邮件正排队等待发送，会自动发出）" in detail, detail
    assert "修改" not in detail.split("\n")[1]
