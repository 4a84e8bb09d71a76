"""Races in the day's new paths, on PostgreSQL (row-level concurrency; SQLite's write lock makes whole
transactions take turns): one side is held between its check and its write while the other runs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain import drafts, submitting
from bot.runtime import Runtime
from models import AuditEvent, Draft, DraftFile, OutboxMessage, Submission
from tests.conftest import PG_URL, ChatDriver, FrozenClock, Mailbox
from tests.fake_wecom import FakeWeCom
from tests.test_delivery import drain
from tests.test_file_drafts import DOCX_TYPE, docx_bytes, send_file
from tests.test_held_races import hold, in_thread, say
from tests.test_publishing import approved_draft

pg_only = pytest.mark.skipif(not PG_URL, reason="PostgreSQL's row-level concurrency; SQLite serialises")

TITLE = "乐昌开展地质灾害应急演练"
ART = ("5月10日上午，乐昌市自然资源局在坪石镇开展地质灾害应急演练，全镇干部群众二百余人参加。"
       "演练模拟强降雨引发山体滑坡，各小组按预案转移群众。")


def all_drafts(runtime: Runtime) -> list[tuple[int, str, str, str]]:
    with runtime.sessions.begin() as session:
        return [(d.id, d.title, d.state, d.author.userid) for d in session.scalars(select(Draft).order_by(Draft.id))]


@pg_only
def test_two_members_forwarding_one_article_at_the_same_moment_make_one_draft(
        chat: ChatDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    """The town's press release is posted in the correspondents' WeChat group; 张三 and 小李 both forward it to the
    bot within the same second, each under a title of their own. Each 投稿's check for 「another member's draft of
    this week with this very text」 runs before either draft is committed (the lock each message takes is its own
    sender's row: different authors do not wait for each other), so both pass: two drafts of one article, two editors'
    work, two approvals, two e-mails to each outlet, two rewards — what the refusal added today
    is for. Expected: one draft; the second author is told the text is the other's draft (「完全相同」)."""
    runtime = chat.runtime
    with hold(monkeypatch, drafts, "_locked_editor_for") as (reached, release):  # 张三's check passed
        first, said_first = in_thread(lambda: say(runtime, "zhangsan", f"投稿 {TITLE}\n{ART}", "t:1"))
        assert reached.wait(timeout=30)
        second, said_second = in_thread(lambda: say(runtime, "xiaoli", f"投稿 坪石镇应急演练\n{ART}", "t:2"),
                                        name="other-side")
        second.join(timeout=2)  # a check that waited for 张三's draft would still be waiting
        release.set()
        first.join(timeout=30)
        second.join(timeout=30)
    assert len(all_drafts(runtime)) == 1, (all_drafts(runtime), said_first, said_second)


def _typed_draft_then_its_file(live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> tuple[int, str]:
    """小李 types the article, then sends the Word file with it (the photos): the file's job is queued."""
    said = say(live, "xiaoli", f"投稿 {TITLE}\n{ART}", "t:typed")
    assert "已收到投稿 #1" in said, said
    editor = "lisi" if "李四" in said else "zhaoliu"
    fake_wecom.media["M1"] = (DOCX_TYPE, f"{TITLE}.docx", docx_bytes(TITLE, ART))
    send_file(live, clock, "xiaoli", "M1", f"{TITLE}.docx")
    return 1, editor


def _attached_after(live: Runtime, number: int, action: str) -> list[str]:
    """The draft's events in order, when its file was attached after `action` (else [])."""
    with live.sessions.begin() as session:
        events = list(session.scalars(select(AuditEvent.action).where(AuditEvent.draft_id == number)
                                      .order_by(AuditEvent.id)))
        files = session.scalars(select(DraftFile.id).where(DraftFile.draft_id == number)).all()
    if files and action in events and events.index("file.attach") > events.index(action):
        return events
    return []


@pg_only
def test_a_word_file_is_not_attached_to_a_draft_its_editor_sent_for_approval_meanwhile(
        live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """小李 typed the article, then sends the Word file with its photos; her editor sends 「送审 #1」 as the bot is
    taking in the file. The file's job found #1 being edited and attaches the file without locking the draft, after
    送审 committed: the photos, which the editor never saw, go to the outlets with a draft the approver is reading
    now, and the editor is told 「请与作者核对后修改 #1」, which a draft waiting for approval refuses. Had the
    file come a moment later it would have been refused as a repeat (the author told). Expected: the file is kept
    only with a draft still being edited (its notice before the 送审), or not attached."""
    number, editor = _typed_draft_then_its_file(live, fake_wecom, clock)
    with hold(monkeypatch, drafts, "same_article_within_the_hour") as (reached, release):
        job, _ = in_thread(lambda: drain(live))
        assert reached.wait(timeout=30)
        sender, sent = in_thread(lambda: say(live, editor, f"送审 #{number}", "t:send"), name="other-side")
        sender.join(timeout=2)  # a 送审 that waited for the file's attaching would still be waiting
        release.set()
        job.join(timeout=30)
        sender.join(timeout=30)
    assert "已送审" in sent[0], sent
    assert _attached_after(live, number, "send") == []


@pg_only
def test_a_word_file_is_not_attached_to_a_draft_withdrawn_meanwhile(
        live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """小李 typed the article, then sends the Word file; the admin, cleaning up what looks like a duplicate, sends
    「撤回 #1」 at that moment. The job attaches the file to the withdrawn draft and tells 小李 「已附在这篇稿件上，
    没有另建新稿；文件里的照片会随稿件投递」: nothing of hers is on its way and she believes it is. Had the file
    come a moment later it would have made a new draft. Expected: a file is never attached to a draft already
    withdrawn (the file makes a new draft, or is attached first and 撤回 comes after it, and 小李 is told of that)."""
    number, _ = _typed_draft_then_its_file(live, fake_wecom, clock)
    with hold(monkeypatch, drafts, "same_article_within_the_hour") as (reached, release):
        job, _ = in_thread(lambda: drain(live))
        assert reached.wait(timeout=30)
        admin, said = in_thread(lambda: say(live, "admin", f"撤回 #{number}", "t:w"), name="other-side")
        admin.join(timeout=2)
        release.set()
        job.join(timeout=30)
        admin.join(timeout=30)
    assert "已撤回" in said[0], said
    assert _attached_after(live, number, "withdraw") == [], all_drafts(live)


CORRECTED = ("4月22日，乐昌市自然资源局在人民广场开展世界地球日主题宣传活动，发放资料一千余份，"
             "解答群众咨询百余人次。")


@pg_only
@pytest.mark.parametrize(("who", "command"), [("lisi", f"修改 #1\n{CORRECTED}"), ("zhangsan", "撤回 #1")])
def test_an_e_mail_stopped_as_the_dispatcher_takes_it_up_is_simply_not_sent(
        newsroom: Runtime, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch, who: str, command: str) -> None:
    """李四 sends 「投递 #1 韶关日报」, then sees a wrong figure and sends 「修改 #1 …」 (or the author 「撤回 #1」) as
    the dispatcher takes the e-mail up. start_sending read the submission before it locked the draft; 修改 deleted
    it (stop_unsent) meanwhile, and the refresh after the lock raises: the dispatcher logs an unexpected error with
    a traceback and the outbox row waits for a retry with 「InvalidRequestError: Could not refresh instance」 as its
    error, which `newsbot outbox` shows the operator. Nothing goes out, rightly. Expected: the e-mail found gone is
    finished with at once, as when 修改 came a moment earlier — no error recorded."""
    chat = ChatDriver(newsroom)
    number = approved_draft(chat)
    assert "已排队投递：韶关日报" in chat.as_member("lisi").says(f"投递 #{number} 韶关日报")
    with hold(monkeypatch, submitting, "get", before=True) as (reached, release):  # the submission read, unlocked
        mailer, _ = in_thread(lambda: drain(newsroom))
        assert reached.wait(timeout=30)
        other, said = in_thread(lambda: say(newsroom, who, command, "t:x"), name="other-side")
        other.join(timeout=3)
        release.set()
        mailer.join(timeout=30)
        other.join(timeout=30)
    assert "已保存" in said[0] or "已撤回" in said[0], said
    assert mailbox.messages == []
    with newsroom.sessions.begin() as session:
        assert session.scalars(select(Submission)).all() == []
        rows = [(m.state, m.last_error) for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == submitting.MAIL))]
    assert rows == [("sent", None)], rows
