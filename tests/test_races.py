"""Two members doing one thing at the same moment, on either database: two approvers approving the same draft
get one approval; one link recorded for two drafts gets one publication."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain import review
from bot.messages import Incoming
from bot.runtime import Runtime
from models import AuditEvent, Draft, DraftState, Member, OutboxMessage, Submission, SubmissionState
from tests.conftest import ChatDriver
from tests.test_publishing import approved_draft

ROUNDS = 5


def pending_drafts(chat: ChatDriver, count: int) -> None:
    for n in range(count):
        chat.as_member("zhangsan").says(f"投稿 抢批第{n + 1}篇\n正文{n}")
    for n in range(count):
        draft = n + 1
        editor = "lisi" if "李四" in chat.as_member("zhangsan").says(f"稿件 #{draft}") else "zhaoliu"
        assert "已送审" in chat.as_member(editor).says(f"送审 #{draft}")


def assert_one_approval_each(chat: ChatDriver, replies: list[list[str]]) -> None:
    for draft, pair in enumerate(replies, start=1):
        assert sum("已批准稿件" in r for r in pair) == 1, pair
        assert sum("已由" in r and "批准" in r for r in pair) == 1, pair
        with chat.runtime.sessions.begin() as session:
            approvals = session.scalars(select(AuditEvent).where(AuditEvent.draft_id == draft,
                                                                 AuditEvent.action == "approve")).all()
            notices = session.scalars(select(OutboxMessage).where(
                OutboxMessage.dedupe_key.like(f"draft:{draft}:approved:%"))).all()
        assert len(approvals) == 1
        assert len(notices) == 2 and "zhangsan" in {n.recipient for n in notices}  # the author and the editor


def together(runtime: Runtime, *said: tuple[str, str]) -> list[str]:
    """Each (userid, text) said from its own thread, all released at the same instant; their replies."""
    barrier, replies = threading.Barrier(len(said)), [""] * len(said)

    def say(slot: int, userid: str, text: str) -> None:
        barrier.wait()
        reply = runtime.commands.handle(Incoming("local", userid, f"t:{slot}:{text}", text=text))
        replies[slot] = reply.text if reply else ""

    threads = [threading.Thread(target=say, args=(slot, *pair)) for slot, pair in enumerate(said)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def test_q07_two_approvers_in_threads_approve_once(chat: ChatDriver) -> None:
    pending_drafts(chat, ROUNDS)
    assert_one_approval_each(chat, [together(chat.runtime, ("wangwu", f"批准 #{draft}"), ("zhouqi", f"批准 #{draft}"))
                                    for draft in range(1, ROUNDS + 1)])


def test_q07_the_approver_who_loses_the_compare_and_set_is_told_and_changes_nothing(
        chat: ChatDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loser's path, for certain and on SQLite too (where the write lock makes the races above take turns):
    another approver's approval lands between this one's read of the draft and its write."""
    pending_drafts(chat, 1)
    real = review.compare_and_set

    def another_approver_first(session: Session, draft: Draft, states: tuple[str, ...], **values: object) -> bool:
        zhouqi = session.scalars(select(Member).where(Member.userid == "zhouqi")).one()
        session.execute(update(Draft).where(Draft.id == draft.id).values(state=DraftState.approved,
                                                                          approved_by_id=zhouqi.id)
                        .execution_options(synchronize_session=False))
        return real(session, draft, states, **values)

    monkeypatch.setattr(review, "compare_and_set", another_approver_first)
    reply = chat.as_member("wangwu").says("批准 #1")
    assert "已由 周七 批准" in reply and "已批准稿件" not in reply
    with chat.runtime.sessions.begin() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "approve")).all() == []
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("draft:1:approved%"))
                               ).all() == []


def test_q07_two_approvers_in_separate_processes_approve_once(chat: ChatDriver) -> None:
    pending_drafts(chat, ROUNDS)
    url = chat.runtime.settings.database_url
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    replies = []
    for draft in range(1, ROUNDS + 1):
        start_at = time.time() + 2.0  # both processes are up and connected by then
        workers = [subprocess.Popen([sys.executable, "-m", "tests.race_worker", url, userid, str(start_at),
                                     f"批准 #{draft}"], stdout=subprocess.PIPE, text=True, env=env)
                   for userid in ("wangwu", "zhouqi")]
        replies.append([worker.communicate(timeout=60)[0].strip() for worker in workers])
    assert_one_approval_each(chat, replies)


def test_one_link_recorded_for_two_drafts_at_the_same_moment_counts_once(newsroom: Runtime) -> None:
    """Two members paste one article's link for two drafts at the same instant: one publication, not two."""
    chat = ChatDriver(newsroom)
    for draft in range(1, 2 * ROUNDS + 1):
        approved_draft(chat, title=f"同链第{draft}篇")
    for first in range(1, 2 * ROUNDS, 2):
        link = f"https://www.sgrb.example/news/{first}.html"
        replies = together(newsroom, ("admin", f"刊发 #{first} 韶关日报 {link}"),
                           ("zhangsan", f"刊发 #{first + 1} 韶关日报 {link}"))
        assert sum("同一篇文章只登记一次" in reply for reply in replies) == 1, replies
    with newsroom.sessions.begin() as session:
        published = session.scalars(select(Submission.draft_id).where(
            Submission.state == SubmissionState.published)).all()
    assert len(published) == ROUNDS


def test_an_admins_first_messages_at_the_same_moment_are_all_answered(office: Runtime) -> None:
    """A new admin, listed in NEWSBOT_ADMINS and never seen before, taps twice and sends a third message at once
    (three WeCom deliveries, three workers): on PostgreSQL each created their member row, two clashed on its
    unique userid and were answered 「处理这条消息时出错了」. Expected: one member row, every message answered."""
    office.settings = office.settings.model_copy(update={"admins": "boss"})
    office.commands.settings = office.settings
    replies = together(office, *[("boss", "帮助")] * 3)
    assert all("管理员" in reply and "出错" not in reply for reply in replies), replies
    with office.sessions.begin() as session:
        assert len(session.scalars(select(Member).where(Member.userid == "boss")).all()) == 1
        assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "member.bootstrap_admin"))
                   .all()) == 1
