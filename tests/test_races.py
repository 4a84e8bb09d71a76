"""Two approvers approving the same draft at the same moment: exactly one approval, on either database."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from sqlalchemy import select

from bot.messages import Incoming
from models import AuditEvent, OutboxMessage
from tests.conftest import ChatDriver

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


def approve_together(chat: ChatDriver, draft: int) -> list[str]:
    """wangwu and zhouqi send 「批准 #draft」 from two threads released at the same instant."""
    barrier, pair = threading.Barrier(2), ["", ""]

    def approve(slot: int, userid: str) -> None:
        barrier.wait()
        reply = chat.runtime.commands.handle(Incoming("local", userid, f"t:{draft}:{userid}", text=f"批准 #{draft}"))
        pair[slot] = reply.text if reply else ""

    threads = [threading.Thread(target=approve, args=(0, "wangwu")),
               threading.Thread(target=approve, args=(1, "zhouqi"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return pair


def test_q07_two_approvers_in_threads_approve_once(chat: ChatDriver) -> None:
    pending_drafts(chat, ROUNDS)
    assert_one_approval_each(chat, [approve_together(chat, draft) for draft in range(1, ROUNDS + 1)])


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
