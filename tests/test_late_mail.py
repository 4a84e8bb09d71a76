"""The editor's notice of e-mail still not sent an hour after 投递 (found by a review of what the bot tells people
against what they can act on)."""

from __future__ import annotations

from bot.runtime import Runtime
from tests.conftest import ChatDriver, FrozenClock, Mailbox, Sent
from tests.test_publishing import approved_draft
from tests.test_today_review6 import _run, _wrong_smtp


def _late_notices(chat: ChatDriver, userid: str) -> list[str]:
    texts = [m.payload.get("text", {}).get("content", "") for m in chat.outbox()
             if m.recipient == userid and m.channel != "mail"]
    return [text for text in texts if "还没有发出" in text]


def _late_notices_an_hour_after(newsroom: Runtime, clock: FrozenClock, command: str) -> list[str]:
    """李四's late-mail notices an hour after his `command` for the approved #1, the SMTP setting wrong."""
    _wrong_smtp(newsroom, True)
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    assert "已排队投递" in chat.as_member("lisi").says(command)
    _run(newsroom, clock, rounds=8)
    return _late_notices(chat, "lisi")


def test_the_editors_late_mail_notice_gives_no_server_settings_to_change(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """The SMTP setting is wrong (STARTTLS on a server without it). 李四 sends 「投递 #1 南方网」. An hour later he
    gets 「…给南方网的邮件投递一小时后仍未发出（邮件服务器 …:… 不支持 STARTTLS：该端口若是 465，请设
    NEWSBOT_SMTP_TLS=ssl；…时才设 none），会继续自动重试」: the admins' repair instructions, with server variables an
    editor cannot see or set, and 「会继续自动重试」, though no retry mends a setting. Expected: the editor hears
    that the mail is held by a server setting the admins were told of (no NEWSBOT_ names, no host:port)."""
    notices = _late_notices_an_hour_after(newsroom, clock, "投递 #1 南方网")
    assert notices, "the editor was not told of the late e-mail at all"
    assert not any("NEWSBOT_" in text for text in notices), notices
    assert "邮件服务器设置有误，已通知管理员，改好后自动发出" in notices[0], notices


def test_one_late_mail_notice_for_one_投递_to_several_outlets(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """The SMTP setting is wrong. 李四 sends 「投递 #1 全部」 (four outlets with a mailbox). An hour later his phone
    gets four messages in a row, each the same long text but for the outlet's name. Expected: one notice naming
    the outlets that wait (the e-mails of one 投递 are held for the same reason)."""
    notices = _late_notices_an_hour_after(newsroom, clock, "投递 #1 全部")
    assert len(notices) == 1, notices
    assert "发给局微信公众号、乐昌市政府网、韶关日报、南方网的邮件还没有发出" in notices[0], notices
