"""A second adversarial review of the day's changes (e-mails stopped, files attached): each docstring says what
went wrong in them before."""

from __future__ import annotations

from sqlalchemy import select

from bot.runtime import Runtime
from models import Draft, DraftState
from tests.conftest import ChatDriver, FrozenClock, Mailbox, Sent
from tests.test_delivery import drain
from tests.test_outlet_mails import received_by
from tests.test_publishing import ARTICLE, approved_draft


def _state(runtime: Runtime, number: int = 1) -> str:
    with runtime.sessions.begin() as session:
        return session.get(Draft, number).state


def _wrong_smtp(newsroom: Runtime, broken: bool) -> None:
    from bot import mail
    newsroom.settings = newsroom.settings.model_copy(update={"smtp_tls": "starttls" if broken else "none"})
    newsroom.transports["mail"] = mail.MailTransport(newsroom.sessions, newsroom.settings, newsroom.clock)


def _run(newsroom: Runtime, clock: FrozenClock, rounds: int = 6) -> None:
    for _ in range(rounds):
        drain(newsroom)
        clock.advance(minutes=10)


def test_a_stopped_e_mail_does_not_go_out_by_itself_after_a_title_only_correction_is_approved_again(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """The SMTP setting is wrong; 李四 sends 「投递 #1 南方网」 (held, nothing left). He corrects the title only
    (「修改 #1⏎标题：…」): the reply says 「排队待发的邮件（南方网）已停发，重新批准后请再「投递 #1 媒体」」. 王五
    approves again. Before 李四 decides where to send it, the admin fixes SMTP: the stopped e-mail goes to 南方网 by
    itself (its outbox row is still retrying, and start_sending only compares version numbers — a title-only
    修改 keeps v1), and #1 still shows 已批准 (no 投递 recorded, so 撤回 is offered for an article an outlet has).
    Expected: a stopped e-mail never goes out; only a new 投递 sends it."""
    _wrong_smtp(newsroom, True)
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    lisi = chat.as_member("lisi")
    assert "已排队投递" in lisi.says("投递 #1 南方网")
    _run(newsroom, clock)
    reply = lisi.says("修改 #1\n标题：乐昌市开展世界地球日宣传活动")
    assert _state(newsroom) == DraftState.pending, reply
    assert "已停发" in reply, reply
    assert "已批准" in chat.as_member("wangwu").says("批准 #1")
    _wrong_smtp(newsroom, False)  # fixed, and restarted
    _run(newsroom, clock)
    assert received_by(mailbox, "news@southcn.example") == [], _state(newsroom)


def test_a_corrected_word_file_sent_again_does_not_double_the_photos_the_outlets_get(
        live: Runtime, fake_wecom: object, clock: FrozenClock) -> None:
    """张三 sends 《我局开展防汛救灾志愿服务.docx》 with photos: #1. Twenty minutes later he fixes a date in Word and
    sends the file again (same name, same photos). Since 057abf5 it is not refused: FileDraftJob._create takes it
    for 「the Word file with the photos sent after the typed text」 and attaches it to #1 (its text ignored), so
    #1 now keeps two Word files with the same photos, and photos.of_draft (what the e-mail carries) gives each
    photo twice (图1, 图2 the same picture), to every outlet. Expected: the outlets get each photo once (attach
    only to a draft typed in chat, or not add photos the draft has already)."""
    from bot.domain import photos
    from tests.test_file_drafts import DOCX_TYPE, send_file, told
    from tests.test_refusals_review import FLOOD, TITLE, docx_with_photos

    first, second = FLOOD.split("\n")
    fake_wecom.media["M1"] = (DOCX_TYPE, f"{TITLE}.docx", docx_with_photos(  # type: ignore[attr-defined]
        TITLE, first, "[photo]", "图为志愿者帮助群众清理淤泥。", second, "[photo]", "图为志愿者走访受灾群众。"))
    send_file(live, clock, "zhangsan", "M1")
    drain(live)
    clock.advance(minutes=20)
    fixed = first.replace("5月12日", "5月11日")
    fake_wecom.media["M2"] = (DOCX_TYPE, f"{TITLE}.docx", docx_with_photos(  # type: ignore[attr-defined]
        TITLE, fixed, "[photo]", "图为志愿者帮助群众清理淤泥。", second, "[photo]", "图为志愿者走访受灾群众。"))
    send_file(live, clock, "zhangsan", "M2")
    drain(live)
    with live.sessions.begin() as session:
        pictures = photos.of_draft(session, 1)
    assert len({picture.data for picture in pictures}) == len(pictures), (
        [picture.name for picture in pictures], told(live, "zhangsan")[-1])


def test_a_corrected_resubmission_is_not_told_the_draft_cannot_be_changed_while_its_e_mail_is_held(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """The mail server setting is wrong: #1 is approved and 「投递 #1 南方网」 is held, nothing has left. Half an hour
    later 张三 sends the corrected article under the same title. drafts._a_correction answers from the state alone
    (WITHDRAWABLE): 「它已投递，不能再改或撤回：…要另投更正稿，请换一个标题（如加「更正」二字）」 — yet since b0dd5cd
    a draft none of whose e-mails left may be corrected (修改 works, and stops the held e-mail) or withdrawn. Following
    the advice, a second 「更正」 draft is made while the uncorrected one goes to 南方网 once the server is fixed.
    Expected: while no e-mail has left (submitting.none_sent), the refusal offers 修改 by the editor / 撤回."""
    from tests.test_refusals_review import FLOOD, MEETING, TITLE
    _wrong_smtp(newsroom, True)
    chat = ChatDriver(newsroom)
    text = f"{FLOOD}\n{MEETING}\n{ARTICLE}"
    approved_draft(chat, title=TITLE, text=text)
    assert "已排队投递" in chat.as_member("lisi").says("投递 #1 南方网")
    _run(newsroom, clock, 3)
    reply = chat.as_member("zhangsan").says(f"投稿 {TITLE}\n{text.replace('5月12日上午', '5月11日上午')}")
    assert "没有保存" in reply, reply
    corrected = chat.as_member("lisi").says(f"修改 #1\n{text.replace('5月12日上午', '5月11日上午')}")
    assert _state(newsroom) == DraftState.pending, corrected  # 修改 was possible all along
    assert "不能再改" not in reply, reply


def test_a_title_sent_after_an_attached_file_does_not_rewrite_the_typed_drafts_text(
        live: Runtime, fake_wecom: object, clock: FrozenClock) -> None:
    """张三 types 「投稿 我局开展防汛救灾志愿服务」 with the article (#1), then sends the same article with a photo as
    「文档1.docx」 (Word's default name: its first line is the title). The file is attached to #1. Used to 「文件，再发
    「投稿 标题」」, he sends 「投稿 防汛救灾我局在行动」. file_drafts.title_recent_file finds the file's DraftFile,
    takes #1 for the draft made from that file, retitles it and — believing the old title was the file's first
    line, cut off — writes 「我局开展防汛救灾志愿服务」 into the first line of #1's v1 text in place (no new version,
    no word to the editor): a stray heading in the article that goes to the outlets. Expected: the text he typed
    is left as it was (an attached file's job titles nothing, or only the title changes)."""
    from models import DraftVersion
    from tests.test_file_drafts import DOCX_TYPE, send_file
    from tests.test_refusals_review import FLOOD, TITLE, docx_with_photos

    chat = ChatDriver(live)
    assert "#1" in chat.as_member("zhangsan").says(f"投稿 {TITLE}\n{FLOOD}")
    clock.advance(minutes=5)
    first, second = FLOOD.split("\n")
    fake_wecom.media["M1"] = (DOCX_TYPE, "文档1.docx",  # type: ignore[attr-defined]
                              docx_with_photos(TITLE, first, "[photo]", second))
    send_file(live, clock, "zhangsan", "M1")
    drain(live)
    clock.advance(minutes=1)
    reply = chat.as_member("zhangsan").says("投稿 防汛救灾我局在行动")
    with live.sessions.begin() as session:
        text = session.scalars(select(DraftVersion.text).where(DraftVersion.draft_id == 1,
                                                               DraftVersion.number == 1)).one()
    assert text == FLOOD, (reply, text[:40])


def test_an_e_mail_stopped_by_修改_is_not_shown_as_a_failed_send(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """#1's 投递 to 南方网 and 韶关日报 is held (the SMTP setting is wrong). 李四 corrects a date with 「修改 #1」:
    the reply rightly says the queued e-mails were stopped. 「稿件 #1」 then lists
    「媒体：南方网 发送失败；韶关日报 发送失败」 (stop_unsent marks them `failed`, the state of a mail server's
    refusal), before and after the new approval: the editor reads a mail fault to report to the admins, not
    e-mails stopped on purpose and waiting for a new 投递. Expected: the detail shows them as stopped because of
    the 修改 (or no longer lists them)."""
    _wrong_smtp(newsroom, True)
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    lisi = chat.as_member("lisi")
    lisi.says("投递 #1 南方网 韶关日报")
    _run(newsroom, clock, 3)
    assert "已停发" in lisi.says("修改 #1\n" + ARTICLE.replace("4月22日", "4月23日"))
    detail = lisi.says("稿件 #1")
    assert "发送失败" not in detail, detail
