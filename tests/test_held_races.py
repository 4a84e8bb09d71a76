"""Check-then-act between two members, or a member and a background job, made certain: one side is held between
its read and its write while the other runs (PostgreSQL; SQLite's write lock makes them take turns)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain import audit, drafts, meetings, studying, submitting
from bot.messages import Incoming
from bot.runtime import Runtime
from bot.scheduler import Calendar
from models import Draft, Submission, SubmissionState
from tests.conftest import PG_URL, ChatDriver, FrozenClock
from tests.test_calendar import SHANGHAI, group_messages, only
from tests.test_delivery import drain
from tests.test_publishing import approved_draft

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL's row-level concurrency; SQLite serialises")

HELD = "held-side"
LINK = "https://www.sgrb.example/1.html"


@contextmanager
def hold(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, *, before: bool = False,
         when: Callable[..., bool] = lambda *a, **k: True) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Wrap owner.name: in the thread named HELD only, stop after it returned (or before it is called) until
    released. Yields (reached, release)."""
    real = getattr(owner, name)
    reached, release = threading.Event(), threading.Event()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mine = threading.current_thread().name == HELD and when(*args, **kwargs) and not reached.is_set()
        if mine and before:
            reached.set()
            assert release.wait(timeout=30)
        result = real(*args, **kwargs)
        if mine and not before:
            reached.set()
            assert release.wait(timeout=30)
        return result

    monkeypatch.setattr(owner, name, wrapper)
    yield reached, release


def say(runtime: Runtime, userid: str, text: str, key: str) -> str:
    reply = runtime.commands.handle(Incoming("local", userid, key, text=text))
    return reply.text if reply else ""


def in_thread(target: Callable[[], Any], name: str = HELD) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(target()), name=name, daemon=True)
    thread.start()
    return thread, out


def submission_of(runtime: Runtime, number: int) -> Submission:
    with runtime.sessions.begin() as session:
        submission = session.scalars(select(Submission).where(Submission.draft_id == number)).one()
        session.expunge(submission)
        return submission


def test_a_publication_recorded_as_the_mail_starts_is_not_written_over(newsroom: Runtime,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The dispatcher read the submission as queued; 刊发 committed before it marked it sending. It went out anyway
    and the row said sent, the link and points kept on a row that no longer said published."""
    chat = ChatDriver(newsroom)
    number = approved_draft(chat)
    assert "已排队投递：韶关日报" in chat.as_member("lisi").says(f"投递 #{number} 韶关日报")
    real_start = submitting.start_sending
    reached, release = threading.Event(), threading.Event()

    def read_first(session: Any, submission_id: int, *args: Any) -> Any:
        read = session.get(Submission, submission_id)  # held in the session as start_sending holds its own read
        assert read.state == SubmissionState.queued
        if threading.current_thread().name == HELD:
            reached.set()
            assert release.wait(timeout=30)
        return real_start(session, submission_id, *args)

    monkeypatch.setattr(submitting, "start_sending", read_first)
    mailer, _ = in_thread(lambda: drain(newsroom))
    assert reached.wait(timeout=30)
    assert "已登记稿件" in say(newsroom, "zhangsan", f"刊发 #{number} 韶关日报 {LINK}", "t:p")
    release.set()
    mailer.join(timeout=60)
    submission = submission_of(newsroom, number)
    assert (submission.state, submission.url) == (SubmissionState.published, LINK)
    assert submission.sent_at is None  # and no e-mail went


def test_a_publication_recorded_as_the_mail_is_given_up_is_not_written_over(newsroom: Runtime,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The dead letter of an e-mail read its submission as queued; 刊发 committed; the dead letter wrote failed over
    the publication (投递 could then send it again)."""
    chat = ChatDriver(newsroom)
    number = approved_draft(chat)
    chat.as_member("lisi").says(f"投递 #{number} 韶关日报")  # the mail server down all day
    submission_id = submission_of(newsroom, number).id
    real_failed = submitting.mail_failed
    reached, release = threading.Event(), threading.Event()

    def read_first(session: Any, submission_id: int, *args: Any) -> Any:
        read = session.get(Submission, submission_id)  # held in the session as mail_failed holds its own read
        assert read.state == SubmissionState.queued
        reached.set()
        assert release.wait(timeout=30)
        return real_failed(session, submission_id, *args)

    def dead_letter() -> bool:
        with newsroom.sessions.begin() as session:
            return submitting.mail_failed(session, submission_id, "SMTP unreachable", newsroom.clock(), "claim:1")

    monkeypatch.setattr(submitting, "mail_failed", read_first)
    mailer, _ = in_thread(dead_letter)
    assert reached.wait(timeout=30)
    assert "已登记稿件" in say(newsroom, "zhangsan", f"刊发 #{number} 韶关日报 {LINK}", "t:p")
    release.set()
    mailer.join(timeout=30)
    assert submission_of(newsroom, number).state == SubmissionState.published


def test_不采用_at_the_moment_of_刊发_never_undoes_the_publication(newsroom: Runtime,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """不采用 had read the submission as sent; 刊发 committed (用稿反馈 posted, points given) before 不采用 wrote
    not_used over it. Now the draft's lock makes them take turns, and the later 刊发 stands."""
    chat = ChatDriver(newsroom)
    number = approved_draft(chat)
    chat.as_member("lisi").says(f"投递 #{number} 韶关日报")
    drain(newsroom)
    with hold(monkeypatch, audit, "record", before=True,
              when=lambda *args, **kwargs: args[3] == "not_used") as (reached, release):
        author, said = in_thread(lambda: say(newsroom, "zhangsan", f"不采用 #{number} 韶关日报", "t:n"))
        assert reached.wait(timeout=30)
        publisher, published = in_thread(lambda: say(newsroom, "lisi", f"刊发 #{number} 韶关日报 {LINK}", "t:p"),
                                         name="other-side")
        publisher.join(timeout=2)  # without the lock it does not wait
        release.set()
        author.join(timeout=30)
        publisher.join(timeout=30)
    assert "未采用" in said[0] and "已登记稿件" in published[0]
    submission = submission_of(newsroom, number)
    assert (submission.state, submission.url) == (SubmissionState.published, LINK)
    assert submission.points > 0


def test_a_draft_submitted_as_its_editor_loses_the_role_goes_to_another(chat: ChatDriver,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """投稿 chose 李四 before 成员 角色 lisi 通讯员 committed, and the role change's hand-over looked for 李四's drafts
    before the draft committed: it stayed with a member who may not edit it, in no editor's 待我处理."""
    runtime = chat.runtime
    with hold(monkeypatch, drafts, "editor_for") as (reached, release):
        author, said = in_thread(lambda: say(runtime, "zhangsan", "投稿 乐昌开展地质灾害应急演练\n正文一段", "t:a"))
        assert reached.wait(timeout=30)
        assert "李四" in say(runtime, "admin", "成员 角色 lisi 通讯员", "t:b")
        release.set()
        author.join(timeout=30)
    assert "已收到投稿 #1" in said[0] and "赵六" in said[0]
    with runtime.sessions.begin() as session:
        assert session.get(Draft, 1).editor.userid == "zhaoliu"


@pytest.fixture
def cal(chat: ChatDriver, clock: FrozenClock) -> Calendar:
    return Calendar(chat.runtime.sessions, chat.runtime.settings, clock, worker="test")


def group_posts(chat: ChatDriver) -> list[str]:
    return [m.payload["markdown"]["content"] for m in group_messages(chat.runtime)]


@pytest.mark.parametrize(("command", "told"), [
    ("日程 停用 例会", "例会取消"), ("日程 设置 meeting day=last_thu hour=9 place=二楼小会议室", "例会变更")])
def test_a_meeting_stopped_or_moved_as_its_notice_goes_out_is_told_after_it(
        chat: ChatDriver, cal: Calendar, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch, command: str,
        told: str) -> None:
    """09:00, three days before the meeting: the calendar builds the notice as the admin stops or moves the
    meeting. The change looked for a notice before the notice committed: the group kept the old one alone."""
    only(chat.runtime, "meeting", "meeting_notice")
    clock.current = datetime(2026, 6, 23, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)  # three days before 6-26
    with hold(monkeypatch, meetings, "meeting_lines") as (reached, release):
        ticker, _ = in_thread(cal.tick)
        assert reached.wait(timeout=30)
        admin, _ = in_thread(lambda: say(chat.runtime, "admin", command, "t:s"), name="other-side")
        admin.join(timeout=2)  # it waits for the notice now
        release.set()
        ticker.join(timeout=30)
        admin.join(timeout=30)
    posts = group_posts(chat)
    assert [p.splitlines()[0] for p in posts] == ["**宣传工作例会通知**（3 天后）", f"**{told}**"]


def test_study_items_set_as_the_reminder_finds_none_reach_the_group(
        chat: ChatDriver, cal: Calendar, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reminder read no items; 学习 设置 saw no reminder yet (uncommitted) and kept them for it: the month's
    items never reached the group."""
    only(chat.runtime, "study_reminder")
    clock.current = datetime(2026, 6, 5, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)
    with hold(monkeypatch, studying, "items") as (reached, release):
        ticker, _ = in_thread(cal.tick)
        assert reached.wait(timeout=30)
        admin, said = in_thread(lambda: say(chat.runtime, "admin", "学习 设置 《习近平谈治国理政》第二卷", "t:s"),
                                name="other-side")
        admin.join(timeout=2)
        release.set()
        ticker.join(timeout=30)
        admin.join(timeout=30)
    assert "已设置" in said[0]
    assert any("6月学习提醒" in post for post in group_posts(chat))
