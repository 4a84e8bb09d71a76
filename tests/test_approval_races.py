"""The day's new paths with real threads, on PostgreSQL (row-level concurrency; SQLite's write lock
makes whole transactions take turns). Each test first proved something a member would see go wrong."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain import drafts, review
from bot.runtime import Runtime
from models import Draft, DraftState, OutboxMessage
from tests.conftest import PG_URL, ChatDriver, FrozenClock
from tests.fake_wecom import FakeWeCom
from tests.test_delivery import drain
from tests.test_file_drafts import DOCX_TYPE, docx_bytes, send_file
from tests.test_held_races import hold, in_thread, say
from tests.test_publishing import approved_draft

pg_only = pytest.mark.skipif(not PG_URL, reason="PostgreSQL's row-level concurrency; SQLite serialises")

TITLE = "乐昌开展地质灾害应急演练"
ART = ("5月10日上午，乐昌市自然资源局在坪石镇开展地质灾害应急演练，全镇干部群众二百余人参加。"
       "演练模拟强降雨引发山体滑坡，各小组按预案转移群众。")


def all_drafts(runtime: Runtime) -> list[tuple[int, str, str]]:
    with runtime.sessions.begin() as session:
        return [(d.id, d.title, d.state) for d in session.scalars(select(Draft).order_by(Draft.id))]


@pg_only
def test_a_file_draft_made_as_its_text_is_pasted_is_still_one_draft(
        live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """A newcomer sends the Word file and, unsure it went through, pastes the same article with 「投稿 标题⏎正文」
    while the bot is creating the file's draft. The file's job looks for an earlier draft without taking the
    author's lock that every chat message takes, so the two checks each find nothing and two drafts of one article
    go to two editors (李四 and 赵六) — what the repeat check of today's change is for. Expected: the paste waits
    for the file's draft and is told it was sent already (or the file's job is)."""
    chat_key = "t:paste"
    fake_wecom.media["M1"] = (DOCX_TYPE, f"{TITLE}.docx", docx_bytes(TITLE, ART))
    send_file(live, clock, "xiaoli", "M1", f"{TITLE}.docx")
    with hold(monkeypatch, drafts, "_locked_editor_for") as (reached, release):  # the file's check is done
        job, _ = in_thread(lambda: drain(live))
        assert reached.wait(timeout=30)
        paster, said = in_thread(lambda: say(live, "xiaoli", f"投稿 {TITLE}\n{ART}", chat_key), name="other-side")
        paster.join(timeout=2)  # a paste that waited for the file's draft would still be waiting
        release.set()
        job.join(timeout=30)
        paster.join(timeout=30)
    assert len(all_drafts(live)) == 1, (all_drafts(live), said)


@pg_only
def test_an_approver_taking_back_an_approval_never_takes_back_another_approvers(
        chat: ChatDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    """王五 approved #1 and sends 「退回 #1 …」 to take his approval back. Meanwhile the admin retitles it (修改 #1
    ⏎标题：…, the text unchanged, so the version stays v1: 王五's approval is void and the draft pending again) and
    周七 approves it. 王五's 退回 checked 「approved by me」 on what it read first, and its compare-and-set asks only
    「approved, at v1」: it returns the draft 周七 approved — an approval taken back by someone other than its
    approver, which today's change forbids — and 周七, whose approval is gone, is not told. Expected: 王五 is told
    the draft is now 周七's approval (as a second approver's 退回 of an approved draft is refused)."""
    number = approved_draft(chat)
    with hold(monkeypatch, review, "check_can_return") as (reached, release):
        approver, said = in_thread(lambda: say(chat.runtime, "wangwu", f"退回 #{number} 第二段数据请核实", "t:r"))
        assert reached.wait(timeout=30)
        assert "原批准已作废" in say(chat.runtime, "admin", f"修改 #{number}\n标题：乐昌开展地球日主题宣传", "t:m")
        assert "已批准" in say(chat.runtime, "zhouqi", f"批准 #{number}", "t:a")
        release.set()
        approver.join(timeout=30)
    with chat.runtime.sessions.begin() as session:
        draft = session.get(Draft, number)
        state, by = draft.state, draft.approved_by.userid if draft.approved_by else None
        told_zhouqi = [m.payload["text"]["content"] for m in session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == "zhouqi", OutboxMessage.dedupe_key.like(f"draft:{number}:returned%")))]
    assert (state, by) == (DraftState.approved, "zhouqi"), (said, state, by, told_zhouqi)


@pg_only
def test_the_author_s_撤回_as_an_approver_returns_the_draft_is_not_told_it_cannot(
        chat: ChatDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    """The author sends 「撤回 #1」 for an approved draft at the moment its approver sends 「退回 #1 …」 (today's
    退回 of an approved draft). 退回 lands first; the author's 撤回 lost the compare-and-set and answers 「稿件 #1
    当前已退回，不能撤回」 — untrue: a returned draft may be withdrawn (and 撤回 a second later does it). The author
    believes the draft is stuck and will go to the editor again. Expected: withdrawn, or told to send 撤回 again."""
    number = approved_draft(chat)
    with hold(monkeypatch, review, "get") as (reached, release):
        author, said = in_thread(lambda: say(chat.runtime, "zhangsan", f"撤回 #{number}", "t:w"))
        assert reached.wait(timeout=30)
        assert "已将稿件" in say(chat.runtime, "wangwu", f"退回 #{number} 第二段数据请核实", "t:r")
        release.set()
        author.join(timeout=30)
    assert "不能撤回" not in said[0], said
