"""The kept totals — the points ledger (排行, 积分) and the month's figures (统计) — equal a plain computation
from the submissions, however the submissions were recorded."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from bot.domain import ledger, members, periods, publishing, review, rewards, stats
from bot.domain.proof import Proof
from bot.messages import Incoming
from bot.migrate import alembic_config, upgrade
from bot.runtime import Runtime
from models import Draft, DraftMonth, Member, MemberMonth, Outlet, OutletMonth, RewardRules, Submission
from tests.conftest import PG_URL, ChatDriver, sqlite_steps
from tests.test_publishing import ARTICLE, approved_draft

NOW = datetime(2026, 11, 26, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")
USERIDS = ["zhangsan", "xiaoli", "lisi", "zhaoliu", "wangwu", "admin"]
PERIODS = [(date(2025, 1, 1), date(2026, 1, 1)), (date(2026, 1, 1), date(2027, 1, 1)),
           (date(2026, 1, 1), date(2026, 4, 1)), (date(2026, 4, 1), date(2026, 7, 1)),
           (date(2026, 7, 1), date(2026, 10, 1)), (date(2026, 10, 1), date(2027, 1, 1))]
Totals = dict[str, list[float]]  # name → [points, articles]


@dataclass(frozen=True)
class Plan:
    author: int  # an index into USERIDS
    editor: int | None
    publications: list[tuple[date, float]]  # each to another outlet


plans = st.lists(st.builds(
    Plan, st.integers(0, len(USERIDS) - 1), st.none() | st.integers(0, len(USERIDS) - 1),
    st.lists(st.tuples(st.dates(date(2025, 1, 1), date(2026, 12, 31)), st.sampled_from([0.0, 1.0, 2.0, 3.0, 10.0])),
             min_size=1, max_size=4)), min_size=1, max_size=6)


def expected(session: Session, rules: RewardRules, start: date, end: date) -> tuple[Totals, Totals]:
    """Members' and departments' totals straight from the submissions."""
    people: Totals = defaultdict(lambda: [0.0, 0])
    departments: Totals = defaultdict(lambda: [0.0, 0])
    for draft in session.scalars(select(Draft)):
        days = [(p.published_on or date.min, p.points) for p in session.scalars(
            select(Submission).where(Submission.draft_id == draft.id, Submission.state == "published"))]
        inside = [points for day, points in days if start <= day < end]
        if not inside:
            continue
        if rules.policy == "highest":
            before = [points for day, points in days if day < start]
            earned = max(before + inside) - max(before, default=0.0)
        else:
            earned = sum(inside)
        alone = draft.editor_id in (None, draft.author_id)
        parts = [(draft.author, earned if alone else earned * (1 - rules.editor_share))]
        if not alone and rules.editor_share:
            parts.append((draft.editor, earned * rules.editor_share))
        for member, points in parts:
            people[member.name][0] += points
            people[member.name][1] += 1
            departments[member.department or "未填部门"][0] += points
        departments[draft.author.department or "未填部门"][1] += 1
    return dict(people), dict(departments)


def read(standings: list[rewards.Standing]) -> dict[str, list[object]]:
    points = [s.points for s in standings]
    assert points == sorted(points, reverse=True)
    return {s.name: [pytest.approx(s.points), s.articles] for s in standings}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plans, st.sampled_from(["highest", "sum"]), st.sampled_from([0.0, 0.25]), st.randoms())
def test_rankings_equal_a_computation_from_the_publications(office: Runtime, plan: list[Plan], policy: str,
                                                            share: float, rng: random.Random) -> None:
    with office.sessions() as session:
        ids = {m.userid: m.id for m in session.scalars(select(Member))}
        outlets = list(session.scalars(select(Outlet.id)))
        publications = []
        for n, p in enumerate(plan):
            draft = Draft(title=f"稿件{n}", state="published", author_id=ids[USERIDS[p.author]],
                          editor_id=None if p.editor is None else ids[USERIDS[p.editor]],
                          state_since=NOW, created_at=NOW, updated_at=NOW)
            session.add(draft)
            session.flush()
            publications += [Submission(draft_id=draft.id, outlet_id=outlet, version=1, state="published",
                                        message_id="", queued_at=NOW, published_on=day, points=points)
                             for outlet, (day, points) in zip(outlets, p.publications, strict=False)]
        rng.shuffle(publications)  # recorded in any order, each one refreshing
        for publication in publications:
            session.add(publication)
            session.flush()
            ledger.refresh(session, publication.draft_id)
        rules = rewards.current(session)
        rules.policy, rules.editor_share = policy, share  # the rules apply when reading: no rewrite
        for start, end in PERIODS:
            people, departments = expected(session, rules, start, end)
            assert read(rewards.people(session, start, end)) == people
            assert read(rewards.departments(session, start, end)) == departments
            found = rewards.articles(session, start, end)
            assert pytest.approx(sum(a.points for a in found)) == sum(p for p, _ in people.values())
            assert all(start <= (p.published_on or date.min) < end for a in found for p in a.publications)
            for member in session.scalars(select(Member)):  # 积分
                points, count = people.get(member.name, [0.0, 0])
                mine = rewards.articles(session, start, end, member)
                assert (pytest.approx(sum(a.points for a in mine)), len(mine)) == (points, count), member.name
        incremental = _ledger(session)
        ledger.rebuild(session)
        assert _ledger(session) == incremental
        session.rollback()


def _ledger(session: Session) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    drafts = session.execute(select(DraftMonth.draft_id, DraftMonth.month, DraftMonth.highest, DraftMonth.total,
                                    DraftMonth.first_in_quarter, DraftMonth.first_in_year, DraftMonth.author_id,
                                    DraftMonth.editor_id)
                             .order_by(DraftMonth.draft_id, DraftMonth.month)).all()
    members = session.execute(select(MemberMonth.month, MemberMonth.member_id, MemberMonth.share,
                                     MemberMonth.highest, MemberMonth.total, MemberMonth.new_in_quarter,
                                     MemberMonth.new_in_year)
                              .order_by(MemberMonth.month, MemberMonth.member_id, MemberMonth.share)).all()
    return [tuple(r) for r in drafts], [tuple(r) for r in members]


def test_a_draft_raised_across_quarters_counts_once_a_year(office: Runtime) -> None:
    rows = ledger.months([(date(2026, 2, 1), 2.0), (date(2026, 5, 3), 5.0), (date(2026, 5, 9), 3.0),
                          (date(2027, 1, 2), 10.0)])
    assert rows == [
        {"month": 202602, "highest": 2.0, "total": 2.0, "first_in_quarter": True, "first_in_year": True},
        {"month": 202605, "highest": 3.0, "total": 8.0, "first_in_quarter": True, "first_in_year": False},
        {"month": 202701, "highest": 5.0, "total": 10.0, "first_in_quarter": True, "first_in_year": True}]


def test_rankings_are_by_year_or_quarter(office: Runtime) -> None:
    with office.sessions() as session, pytest.raises(ValueError, match="year or quarter"):
        rewards.people(session, date(2026, 5, 1), date(2026, 6, 1))


@pytest.mark.skipif(bool(PG_URL), reason="counts the steps of SQLite's virtual machine")
@pytest.mark.parametrize("editor_share", [0.0, 0.25])
def test_a_members_articles_of_a_year_are_read_alone(office: Runtime, editor_share: float) -> None:
    """积分 reads the member's rows of the year only: not their other years, nor the office's year (it joined
    the year's rows to all the member's drafts: 84 ms for 积分 on PostgreSQL at a million drafts)."""
    with office.sessions.begin() as session:
        ids = dict(session.execute(select(Member.userid, Member.id)).all())
        session.execute(update(RewardRules).values(editor_share=editor_share))  # editors' drafts count too

    def steps(history: int) -> int:
        """Counted for 张三's 3 articles of 2026 beside `history` each of his as author and as editor in 2020
        and of 小李's in 2026."""
        rows = ([("zhangsan", None, 202605)] * 3 + [("zhangsan", None, 202005)] * history
                + [("xiaoli", "zhangsan", 202005)] * history + [("xiaoli", None, 202605)] * history)
        with office.sessions.begin() as session:
            session.execute(delete(DraftMonth))
            first = (session.scalar(select(func.max(Draft.id))) or 0) + 1
            session.execute(insert(Draft), [
                {"id": first + n, "title": "稿件", "state": "published", "author_id": ids[author],
                 "editor_id": editor and ids[editor], "state_since": NOW, "created_at": NOW, "updated_at": NOW}
                for n, (author, editor, _) in enumerate(rows)])
            session.execute(insert(DraftMonth), [
                {"draft_id": first + n, "month": month, "highest": 2.0, "total": 2.0, "first_in_quarter": True,
                 "first_in_year": True, "author_id": ids[author], "editor_id": editor and ids[editor]}
                for n, (author, editor, month) in enumerate(rows)])
        with office.sessions.begin() as session:
            zhangsan = session.get(Member, ids["zhangsan"])
            with sqlite_steps(session) as counted:
                mine = rewards.articles(session, date(2026, 1, 1), date(2027, 1, 1), zhangsan)
        assert len(mine) == 3
        return counted[0]

    few, many = steps(10), steps(5_000)
    assert many < few * 2, (few, many)


def test_the_upgrade_that_brings_the_totals_fills_them_and_the_cli_rebuilds_them(newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    number = approved_draft(chat)
    chat.as_member("lisi").says(f"刊发 #{number} 韶关日报 https://sgrb.example/1")
    ranking, figures = chat.as_member("admin").says("排行"), chat.as_member("admin").says("统计")
    assert "张三（办公室）3 分，1 篇" in ranking and "韶关日报 0/1/—" in figures
    url = newsroom.settings.database_url
    newsroom.db.dispose()
    command.downgrade(alembic_config(url), "0013")  # a database from before the totals
    upgrade(url)
    assert (chat.as_member("admin").says("排行"), chat.as_member("admin").says("统计")) == (ranking, figures)

    with newsroom.sessions.begin() as session:  # the ledger gone astray (say, written by a process left running)
        for table in (MemberMonth, DraftMonth):
            session.execute(delete(table))
    upgrade(url)  # already current, the month's figures there: the upgrade does not count again
    assert "还没有刊发" in chat.as_member("admin").says("排行")
    done = subprocess.run([sys.executable, "-m", "bot.cli", "db", "rebuild-totals"], capture_output=True, text=True,
                          env=os.environ | {"NEWSBOT_DATABASE_URL": url}, timeout=120)
    assert done.returncode == 0 and "已按现有数据重写" in done.stdout, done.stderr
    assert (chat.as_member("admin").says("排行"), chat.as_member("admin").says("统计")) == (ranking, figures)


def test_0017_fills_the_authors_and_editors_of_the_ledger_in_place(newsroom: Runtime) -> None:
    """The migration alone (no rewrite of the totals after it) leaves 积分 and 排行 as they were."""
    chat = ChatDriver(newsroom)
    number = approved_draft(chat)
    chat.as_member("lisi").says(f"刊发 #{number} 韶关日报 https://sgrb.example/1")
    with newsroom.sessions.begin() as session:
        session.execute(update(RewardRules).values(editor_share=0.2))  # the editor's part shows too
    replies = [chat.as_member(userid).says(command) for userid, command in
               (("zhangsan", "积分"), ("lisi", "积分"), ("admin", "排行"))]
    assert "2.4 分" in replies[0] and "0.6 分" in replies[1], replies
    url = newsroom.settings.database_url
    newsroom.db.dispose()
    command.downgrade(alembic_config(url), "0016")
    # Alembic itself, not `newsbot db upgrade`: no rewrite of the totals (and no later revision touches them;
    # today's code reads today's schema).
    command.upgrade(alembic_config(url), "head")
    assert [chat.as_member(userid).says(command) for userid, command in
            (("zhangsan", "积分"), ("lisi", "积分"), ("admin", "排行"))] == replies


def test_rule_changes_apply_to_the_ranking_at_once(newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    number = approved_draft(chat)
    chat.as_member("lisi").says(f"刊发 #{number} 韶关日报 https://sgrb.example/1")
    chat.as_member("lisi").says(f"刊发 #{number} 南方网 https://southcn.example/1")
    assert "张三（办公室）5 分，1 篇" in chat.as_member("admin").says("排行")
    with newsroom.sessions.begin() as session:
        session.execute(update(RewardRules).values(policy="sum", editor_share=0.2))
    ranking = chat.as_member("admin").says("排行")
    assert "张三（办公室）6.4 分，1 篇" in ranking and "李四（执法监察大队）1.6 分，1 篇" in ranking
    assert "办公室 6.4 分，1 篇" in ranking and "执法监察大队 1.6 分，0 篇" in ranking


def test_q07_simultaneous_publications_of_one_authors_drafts_keep_the_totals(newsroom: Runtime) -> None:
    """Three people record three of 张三's publications at the same instant: the totals hold all three."""
    chat = ChatDriver(newsroom)
    numbers = [approved_draft(chat, title=f"同时刊发第{n}篇") for n in range(3)]
    barrier = threading.Barrier(3)

    def publish(userid: str, number: int) -> None:
        barrier.wait()
        newsroom.commands.handle(Incoming("local", userid, f"t:{number}",
                                          text=f"刊发 #{number} 韶关日报 https://sgrb.example/{number}"))

    senders = ("wangwu", "zhouqi", "admin")
    threads = [threading.Thread(target=publish, args=pair) for pair in zip(senders, numbers, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "张三（办公室）9 分，3 篇" in chat.as_member("admin").says("排行")
    with newsroom.sessions.begin() as session:
        kept, cells = _ledger(session), _cells(session)
        ledger.rebuild(session)
        stats.rebuild(session, ZONE)
        assert (_ledger(session), _cells(session)) == (kept, cells)


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's row locks; SQLite runs one transaction at a time")
def test_q07_a_publication_racing_a_revision_that_claims_the_draft(newsroom: Runtime) -> None:
    """李四 revises an approved draft nobody edited (claiming it, voiding the approval) while 张三 records its
    publication: the publication waits for the revision and is refused, so no points are split wrongly."""
    chat = ChatDriver(newsroom)
    number = approved_draft(chat)
    with newsroom.sessions.begin() as session:
        session.execute(update(Draft).values(editor_id=None))
        session.execute(update(RewardRules).values(editor_share=0.5))
    revising, release, replies = threading.Event(), threading.Event(), []

    def revise() -> None:
        with newsroom.sessions.begin() as session:
            review.revise(session, number, members.require(session, "lisi"), "改过的正文", newsroom.clock())
            revising.set()
            release.wait(timeout=10)

    def publish() -> None:
        replies.append(newsroom.commands.handle(Incoming(
            "local", "zhangsan", "t:race", text=f"刊发 #{number} 韶关日报 https://sgrb.example/1")).text)

    reviser, publisher = threading.Thread(target=revise), threading.Thread(target=publish)
    reviser.start()
    assert revising.wait(timeout=10)
    publisher.start()
    publisher.join(timeout=1)  # it waits for the revision's transaction
    release.set()
    reviser.join()
    publisher.join()
    assert "不能登记刊发" in replies[0]
    with newsroom.sessions.begin() as session:
        assert session.get(Draft, number).editor.userid == "lisi"
        kept = _ledger(session)
        ledger.rebuild(session)
        assert _ledger(session) == kept


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's row locks; SQLite runs one transaction at a time")
@pytest.mark.parametrize("command", ["投递 #{n} 韶关日报", "刊发 #{n} 韶关日报 https://sgrb.example/1"])
def test_q07_submitting_and_publishing_lock_the_draft_before_writing(newsroom: Runtime,
                                                                    command: str) -> None:
    """Both lock the draft first: one that had written its submission before waiting for the other's lock
    would deadlock with it (each waiting on a row the other holds)."""
    number = approved_draft(ChatDriver(newsroom))
    replies: list[str] = []
    with newsroom.db.connect() as holder:
        holder.execute(text("SELECT id FROM draft WHERE id = :n FOR NO KEY UPDATE"), {"n": number})
        sender = threading.Thread(target=lambda: replies.append(newsroom.commands.handle(
            Incoming("local", "admin", "t:lock", text=command.format(n=number))).text))
        sender.start()
        waiting: str | None = None
        for _ in range(100):  # a fresh transaction each time: pg_stat_activity is read once per transaction
            with newsroom.db.connect() as probe:
                waiting = probe.execute(text("SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))\
                    .scalar()
            if waiting:
                break
            time.sleep(0.05)
        holder.rollback()
    sender.join()
    assert waiting is not None and waiting.startswith("SELECT draft.id") and "FOR NO KEY UPDATE" in waiting
    assert "已" in replies[0]


MONTHS = [(date(2026, 4, 1), date(2026, 5, 1)), (date(2026, 5, 1), date(2026, 6, 1)),
          (date(2026, 6, 1), date(2026, 7, 1))]
# Around the turns of the months, where UTC and Shanghai (eight hours ahead) disagree on the month.
instants = st.builds(lambda turn, hours: turn + timedelta(hours=hours),
                     st.sampled_from([datetime(2026, 4, 30, tzinfo=UTC), datetime(2026, 5, 31, tzinfo=UTC)]),
                     st.integers(-30, 48))
sendings = st.lists(st.lists(st.tuples(st.none() | instants, st.none() | st.dates(date(2026, 4, 20), date(2026, 6, 5))),
                             min_size=1, max_size=3), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sendings, st.lists(st.integers(0, len(USERIDS) - 1), min_size=6, max_size=6), st.randoms())
def test_the_months_figures_equal_a_count_of_the_submissions(
        office: Runtime, drafts: list[list[tuple[datetime | None, date | None]]], authors: list[int],
        rng: random.Random) -> None:
    with office.sessions() as session:
        ids = {m.userid: m.id for m in session.scalars(select(Member))}
        outlets = list(session.scalars(select(Outlet.id)))
        submissions = []
        for n, sent in enumerate(drafts):
            draft = Draft(title=f"稿件{n}", state="submitted", author_id=ids[USERIDS[authors[n]]],
                          state_since=NOW, created_at=NOW, updated_at=NOW)
            session.add(draft)
            session.flush()
            for outlet, (sent_at, published_on) in zip(outlets, sent, strict=False):
                submission = Submission(draft_id=draft.id, outlet_id=outlet, version=1, state="queued",
                                        message_id="", queued_at=NOW)
                session.add(submission)
                submissions.append((submission, sent_at, published_on))
        session.flush()
        rng.shuffle(submissions)  # e-mailed and published in any order, each change counted at once
        for submission, sent_at, published_on in submissions:
            for change in ({"sent_at": sent_at, "state": "sent"} if sent_at else None,
                           {"published_on": published_on, "state": "published"} if published_on else None):
                if change:
                    session.execute(update(Submission).where(Submission.id == submission.id).values(**change))
                    stats.recount(session, submission.id, ZONE)
        for start, end in MONTHS:
            figures = stats.figures(session, start, end, ZONE)
            by_outlet, by_department = _counted(session, start, end)
            assert {r.name: (r.sent, r.published, r.used) for r in figures.outlets} == by_outlet
            assert {r.name: (r.sent, r.published, r.used) for r in figures.departments} == by_department
        counted = _cells(session)
        stats.rebuild(session, ZONE)
        assert _cells(session) == counted
        session.rollback()


def _counted(session: Session, start: date, end: date) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """(sent, published, used) by outlet and by the author's department, counted one submission at a time."""
    by_outlet: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_department: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for s in session.scalars(select(Submission)):
        sent = s.sent_at is not None and start <= s.sent_at.astimezone(ZONE).date() < end
        published = s.published_on is not None and start <= s.published_on < end
        for totals in (by_outlet[s.outlet.name], by_department[s.draft.author.department or "未填部门"]):
            totals[0] += sent
            totals[1] += published
            totals[2] += sent and s.state == "published"
    return ({k: tuple(v) for k, v in by_outlet.items() if any(v)},
            {k: tuple(v) for k, v in by_department.items() if any(v)})


def _cells(session: Session) -> list[tuple[object, ...]]:
    return [tuple(row) for row in session.execute(
        select(OutletMonth.month, OutletMonth.outlet_id, OutletMonth.author_id, OutletMonth.sent,
               OutletMonth.published, OutletMonth.used)
        .order_by(OutletMonth.month, OutletMonth.outlet_id, OutletMonth.author_id))]


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's row locks; SQLite runs one transaction at a time")
def test_q07_a_members_open_message_does_not_block_the_totals_of_their_drafts(newsroom: Runtime) -> None:
    """张三's message holds his row; meanwhile the dispatcher counts an e-mail of his draft and 李四 records its
    publication. Both write totals that refer to 张三 and must not wait for his message (they did, and with
    the totals' own lock taken in the other order, two such messages deadlocked)."""
    chat = ChatDriver(newsroom)
    number = approved_draft(chat)
    chat.as_member("lisi").says(f"投递 #{number} 韶关日报")
    with newsroom.sessions.begin() as held:
        members.for_message(held, "zhangsan", frozenset(), NOW)  # what the engine does for each message
        with newsroom.sessions.begin() as mail:  # what MailTransport.send does once the e-mail is out
            mail.execute(text("SET LOCAL lock_timeout = '3s'"))
            mail.execute(update(Submission).values(state="sent", sent_at=NOW))
            stats.recount(mail, mail.scalars(select(Submission.id)).one(), ZONE)
        with newsroom.sessions.begin() as other:
            other.execute(text("SET LOCAL lock_timeout = '3s'"))
            lisi = members.require(other, "lisi")
            publishing.publish(other, number, lisi, "韶关日报", Proof("https://sgrb.example/1"), NOW, ZONE)
    assert "张三（办公室）3 分，1 篇" in chat.as_member("admin").says("排行")
    assert "韶关日报 1/1/100%" in chat.as_member("admin").says("统计 2026-11")


def test_equal_points_share_a_place(chat: ChatDriver) -> None:
    """优秀通讯员评选 reads the numbers: equal points are one place (1, 1, 3), whoever joined first."""
    approved_draft(chat, title="张三的稿件")
    approved_draft(chat, title="小李的稿件", text=ARTICLE + "小李", author="xiaoli")
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://sgrb.example/1")
    chat.as_member("xiaoli").says("刊发 #2 韶关日报 https://sgrb.example/2")
    ranking = chat.as_member("admin").says("排行 2026")
    assert "1. 张三（办公室）3 分，1 篇" in ranking and "1. 小李（规划股）3 分，1 篇" in ranking, ranking
    assert "1. 办公室 3 分，1 篇" in ranking and "1. 规划股 3 分，1 篇" in ranking, ranking


def test_the_places_keep_everyone_tied_at_the_last_one() -> None:
    standings = [rewards.Standing(name, "", points, 1) for name, points in
                 [("a", 5.0), ("b", 3.0), ("c", 0.1 + 0.2), ("d", 0.3), ("e", 0.3), ("f", 0.1)]]
    assert [(place, s.name) for place, s in rewards.placed(standings, 3)] == [
        (1, "a"), (2, "b"), (3, "c"), (3, "d"), (3, "e")]
    assert [place for place, _ in rewards.placed(standings, 10)] == [1, 2, 3, 3, 3, 6]


@pytest.mark.parametrize(("words", "name"), [
    ("二季度", "2026年第2季度"), ("第二季度", "2026年第2季度"), ("Q2", "2026年第2季度"), ("第2季度", "2026年第2季度"),
    ("2026年二季度", "2026年第2季度"), ("2026年度", "2026年"), ("四季度", "2025年第4季度")])
def test_a_period_is_written_as_the_office_says_it(words: str, name: str) -> None:
    """A quarter without a year is the latest one begun: in May, 四季度 is last year's, the one to settle."""
    assert periods.parse_period(words, date(2026, 5, 12))[2] == name


def test_a_period_not_understood_says_how_to_write_one(chat: ChatDriver) -> None:
    for words in ("季度", "Q5", "上个月"):
        assert f"时间应写成 2026、2026Q3 或 三季度（今年第3季度）这样，不是「{words}」" in \
            chat.as_member("zhangsan").says(f"排行 {words}")


def test_the_settlement_shows_the_points_and_rules_that_排行_shows(chat: ChatDriver, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from bot.reports import rewards_workbook

    with chat.runtime.sessions.begin() as session:
        rewards.change(session, {"editor_share": "0.125"}, None, NOW)
    approved_draft(chat)
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://sgrb.example/1")  # 3 points: 2.625 and 0.375
    ranking = chat.as_member("admin").says("排行 2026Q2")
    with chat.runtime.sessions.begin() as session:
        rewards_workbook(session, date(2026, 4, 1), date(2026, 7, 1), "2026年第2季度", date(2026, 7, 2),
                         tmp_path / "q2.xlsx")
    book = load_workbook(tmp_path / "q2.xlsx")
    people = {row[0]: row[2] for row in book["个人"].iter_rows(min_row=2, values_only=True)}
    assert people == {"张三": 2.625, "李四": 0.375} or people == {"张三": 2.625, "赵六": 0.375}, people
    assert all(f"{name}（" in ranking and f"{points:g} 分" in ranking for name, points in people.items()), ranking
    assert {row[0]: row[1] for row in book["规则"].iter_rows(min_row=2, values_only=True)}["编辑分成"] == 0.125
