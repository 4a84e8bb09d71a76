"""The outbox: dedupe on enqueue, claim with a lease, retry with backoff, dead letters, no double send."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select

from bot import outbox
from bot.outbox import Dispatcher, RetryLater, Undeliverable, backoff
from bot.runtime import Runtime
from models import OutboxMessage, OutboxState
from tests.conftest import PG_URL, FrozenClock, sqlite_steps


def queue(runtime: Runtime, key: str, recipient: str = "lisi") -> int:
    with runtime.sessions.begin() as session:
        return outbox.enqueue(session, channel=outbox.APP, recipient=recipient,
                              payload=outbox.text(f"hello {key}"), dedupe_key=key, now=runtime.clock())


def rows(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.sessions.begin() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


class Scripted:
    """A transport that fails as told, then succeeds; records what it delivered."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.delivered: list[str] = []
        self.lock = threading.Lock()

    def send(self, message: OutboxMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        with self.lock:
            self.delivered.append(message.dedupe_key)


def test_q10_same_dedupe_key_is_queued_once(runtime: Runtime) -> None:
    assert [queue(runtime, "draft:1:approved") for _ in range(2)] == [1, 0]  # the jobs add these up
    assert len(rows(runtime)) == 1


def test_q10_a_notice_queued_twice_is_one_row_per_member(runtime: Runtime, clock: FrozenClock) -> None:
    for _ in range(2):  # a step retried after its transaction failed to commit, say
        with runtime.sessions.begin() as session:
            outbox.notify(session, ["lisi", "wangwu", "lisi"], "稿件 #1 已送审", "draft:1:review:7", clock())
    assert sorted(row.recipient for row in rows(runtime)) == ["lisi", "wangwu"]


def test_local_transport_prints_and_marks_sent(runtime: Runtime, sent: object) -> None:
    queue(runtime, "k1")
    assert runtime.dispatcher().run_once() == 1
    [row] = rows(runtime)
    assert row.state == OutboxState.sent and row.attempts == 1 and row.sent_at is not None
    assert sent.lines == ["[本地模式·未发送] 发给 lisi：hello k1"]
    assert runtime.dispatcher().run_once() == 0


@pytest.mark.skipif(bool(PG_URL), reason="counts the steps of SQLite's virtual machine")
def test_a_claim_does_not_walk_the_recipients_history(runtime: Runtime, clock: FrozenClock) -> None:
    """An editor gets a message per draft, for years: the claim's check for an earlier unsent message to the
    same recipient must not read them all (it held SQLite's write lock for 10 ms at a few hundred)."""
    def claim_steps(recipient: str, history: int) -> int:
        now = clock()
        with runtime.sessions.begin() as session:
            session.execute(insert(OutboxMessage), [
                {"channel": outbox.APP, "recipient": recipient, "payload": outbox.text("old"), "dedupe_key":
                 f"old:{recipient}:{n}", "state": OutboxState.sent, "attempts": 1, "next_attempt_at": now,
                 "created_at": now} for n in range(history)])
        queue(runtime, f"new:{recipient}", recipient)
        with runtime.sessions.begin() as session, sqlite_steps(session) as steps:
            [claimed] = session.scalars(outbox.CLAIM, {"now": now, "batch": 50, "claim": "test",
                                                       "lease_until": now + outbox.LEASE}).all()
        assert claimed.dedupe_key == f"new:{recipient}"
        return steps[0]

    few, many = claim_steps("lisi", 10), claim_steps("zhaoliu", 5_000)
    assert many < few * 2, (few, many)


def test_q11_backoff_grows_exponentially_with_jitter() -> None:
    for attempt in range(1, 12):
        ceiling = min(2.0 ** attempt, 3600.0)
        samples = [backoff(attempt).total_seconds() for _ in range(50)]
        assert all(ceiling / 2 <= s <= ceiling for s in samples), attempt
        assert len(set(samples)) > 1  # jitter: dispatchers that failed together do not retry together
    assert backoff(40) <= timedelta(hours=1)


def test_q11_transient_failure_backs_off_then_delivers(runtime: Runtime, clock: FrozenClock) -> None:
    transport = Scripted(RetryLater("HTTP 502"), RetryLater("errcode -1"))
    dispatcher = Dispatcher(runtime.sessions, {"app": transport}, clock)
    queue(runtime, "k1")
    dispatcher.run_once()
    [row] = rows(runtime)
    assert (row.state, row.attempts, row.last_error) == (OutboxState.pending, 1, "HTTP 502")
    assert timedelta(seconds=1) <= row.next_attempt_at - clock() <= timedelta(seconds=2)
    assert dispatcher.run_once() == 0  # not due yet
    clock.advance(seconds=2)
    dispatcher.run_once()
    clock.advance(seconds=4)
    dispatcher.run_once()
    [row] = rows(runtime)
    assert (row.state, row.attempts, transport.delivered) == (OutboxState.sent, 3, ["k1"])


def test_rate_limit_delay_is_honoured(runtime: Runtime, clock: FrozenClock) -> None:
    dispatcher = Dispatcher(runtime.sessions, {"app": Scripted(RetryLater("45009", timedelta(seconds=60)))},
                            clock)
    queue(runtime, "k1")
    dispatcher.run_once()
    assert rows(runtime)[0].next_attempt_at - clock() == timedelta(seconds=60)


def test_q11_undeliverable_and_unknown_channel_are_dead_letters(runtime: Runtime, clock: FrozenClock) -> None:
    dispatcher = Dispatcher(runtime.sessions, {"app": Scripted(Undeliverable("81013 no valid recipient"))}, clock)
    queue(runtime, "k1")
    with runtime.sessions.begin() as session:
        outbox.enqueue(session, channel="fax", recipient="x", payload={}, dedupe_key="k2", now=clock())
    dispatcher.run_once()
    assert [(r.state, r.last_error) for r in rows(runtime)] == [
        (OutboxState.dead, "81013 no valid recipient"),
        (OutboxState.dead, "没有「fax」通道的发送方式（本版本不支持，请联系系统运维人员）"),
    ]


def test_a_bug_in_a_transport_does_not_lose_the_row(runtime: Runtime, clock: FrozenClock) -> None:
    dispatcher = Dispatcher(runtime.sessions, {"app": Scripted(ZeroDivisionError("oops"))}, clock)
    queue(runtime, "k1")
    dispatcher.run_once()
    [row] = rows(runtime)
    assert row.state == OutboxState.pending and "ZeroDivisionError" in (row.last_error or "")


def test_q10_crashed_dispatchers_lease_expires_and_the_row_is_sent(runtime: Runtime, clock: FrozenClock) -> None:
    queue(runtime, "k1")
    crashed = Dispatcher(runtime.sessions, {"app": Scripted()}, clock)
    crashed._claim()  # claimed, then the process died before sending
    survivor = Scripted()
    other = Dispatcher(runtime.sessions, {"app": survivor}, clock)
    assert other.run_once() == 0  # leased
    clock.advance(minutes=3)
    assert other.run_once() == 1
    assert survivor.delivered == ["k1"]


def test_q12_a_batch_slower_than_the_lease_never_sends_twice(runtime: Runtime, clock: FrozenClock) -> None:
    """Each of A's sends takes 90 s (under the 2 min lease, as transports' timeouts must); the batch as a
    whole outlasts the lease and B takes over what A has not reached: nothing is sent twice."""
    for n in range(3):
        queue(runtime, f"k{n}", recipient=f"member{n}")  # different recipients: one batch
    log: list[tuple[str, str]] = []

    class Slow:
        def send(self, message: OutboxMessage) -> None:
            log.append(("A", message.dedupe_key))
            clock.advance(seconds=90)
            b.run_once()

    class Fast:
        def send(self, message: OutboxMessage) -> None:
            log.append(("B", message.dedupe_key))

    a = Dispatcher(runtime.sessions, {"app": Slow()}, clock)
    b = Dispatcher(runtime.sessions, {"app": Fast()}, clock)
    a.run_once()
    assert sorted(key for _, key in log) == ["k0", "k1", "k2"]
    assert ("B", "k2") in log  # B did take over
    assert {r.state for r in rows(runtime)} == {OutboxState.sent}


def test_a_lease_taken_moments_ago_is_not_renewed_but_an_older_one_is(runtime: Runtime, clock: FrozenClock) -> None:
    for n in range(3):
        queue(runtime, f"k{n}", recipient=f"member{n}")
    renewals: list[str] = []

    def watch(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("UPDATE outbox_message SET lease_until="):  # claim and finish set state first
            renewals.append(statement)

    class SlowSecond:
        def send(self, message: OutboxMessage) -> None:
            if message.dedupe_key == "k1":
                clock.advance(seconds=10)  # k2's lease is now 10 s old: renewed before k2 is sent

    event.listen(runtime.db, "before_cursor_execute", watch)
    try:
        assert Dispatcher(runtime.sessions, {"app": SlowSecond()}, clock).run_once() == 3
    finally:
        event.remove(runtime.db, "before_cursor_execute", watch)
    assert len(renewals) == 1
    assert {r.state for r in rows(runtime)} == {OutboxState.sent}


def test_a_row_that_keeps_crashing_the_dispatcher_ends_as_a_dead_letter(runtime: Runtime,
                                                                       clock: FrozenClock) -> None:
    queue(runtime, "k1")
    for _ in range(outbox.MAX_ATTEMPTS):
        Dispatcher(runtime.sessions, {"app": Scripted()}, clock)._claim()  # the process dies mid-send
        clock.advance(minutes=3)
    dispatcher = Dispatcher(runtime.sessions, {"app": Scripted()}, clock)
    dispatcher.run_once()
    [row] = rows(runtime)
    assert row.state == OutboxState.dead and f"已尝试 {outbox.MAX_ATTEMPTS} 次仍未发出" in (row.last_error or "")


def test_q10_a_row_outlasts_a_night_of_outage(runtime: Runtime, clock: FrozenClock) -> None:
    """Given up after about an hour, every notice and e-mail of an evening's outage (the mail server's
    maintenance, the county's line down) died, and each had to be sent again by hand (a review of 一稿多投)."""
    queue(runtime, "k1")
    transport = Scripted(*[RetryLater("connection refused") for _ in range(100)])
    dispatcher = Dispatcher(runtime.sessions, {"app": transport}, clock)
    down_until = clock() + timedelta(hours=14)
    while clock() < down_until:
        dispatcher.run_once()
        clock.advance(minutes=5)
    assert rows(runtime)[0].state == OutboxState.pending
    transport.failures.clear()  # back
    clock.advance(hours=1)
    dispatcher.run_once()
    assert rows(runtime)[0].state == OutboxState.sent and transport.delivered == ["k1"]


@pytest.mark.parametrize("workers", [4])
def test_q12_concurrent_dispatcher_threads_never_send_a_row_twice(runtime: Runtime, clock: FrozenClock,
                                                                  workers: int) -> None:
    for n in range(200):
        queue(runtime, f"k{n}", recipient=f"member{n % 7}")
    transport = Scripted()
    dispatchers = [Dispatcher(runtime.sessions, {"app": transport}, clock, batch=7) for _ in range(workers)]

    def drain(dispatcher: Dispatcher) -> None:
        while dispatcher.run_once():
            pass

    threads = [threading.Thread(target=drain, args=(d,)) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(transport.delivered) == sorted(f"k{n}" for n in range(200))
    assert {r.state for r in rows(runtime)} == {OutboxState.sent}


@pytest.mark.skipif(not PG_URL, reason="row locks: on SQLite the write lock takes claims in turn")
def test_q12_a_claim_made_while_another_is_open_takes_none_of_its_rows(runtime: Runtime, clock: FrozenClock) -> None:
    """Two claims overlapping for certain (the threads above may well take turns by chance): the second
    skips the rows the first has locked, at once, and never takes one of them."""
    for n in range(10):
        queue(runtime, f"k{n}", recipient=f"member{n}")
    params = {"now": clock(), "batch": 50, "lease_until": clock() + outbox.LEASE}
    theirs: set[int] = set()

    def second_claim() -> None:
        with runtime.sessions.begin() as session:
            theirs.update(m.id for m in session.scalars(outbox.CLAIM, params | {"claim": "B"}))

    with runtime.sessions.begin() as session:
        mine = {m.id for m in session.scalars(outbox.CLAIM, params | {"claim": "A"})}
        thread = threading.Thread(target=second_claim)
        thread.start()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the second claim waited for the first one's locks"
    assert len(mine) == 10 and theirs == set()


@pytest.mark.parametrize("wait", [RetryLater("45009", timedelta(seconds=60), counts=False)])
def test_q11_a_wait_for_a_rate_limit_on_the_last_attempt_is_still_a_wait(wait: RetryLater, runtime: Runtime,
                                                                       clock: FrozenClock) -> None:
    dispatcher = Dispatcher(runtime.sessions, {"app": Scripted(wait)}, clock)
    queue(runtime, "k1")
    with runtime.sessions.begin() as session:  # eleven real failures so far
        session.scalars(select(OutboxMessage)).one().attempts = outbox.MAX_ATTEMPTS - 1
    dispatcher.run_once()
    [row] = rows(runtime)
    assert (row.state, row.attempts) == (OutboxState.pending, outbox.MAX_ATTEMPTS - 1)


def test_q11_rows_a_slow_batch_reaches_late_are_still_tried(runtime: Runtime, clock: FrozenClock) -> None:
    """WeCom hanging (each call times out after 10 s): a batch of 50 outlasts its lease. With no other
    dispatcher, the late rows are still ours and are tried, not skipped with an attempt used up."""
    for n in range(50):
        queue(runtime, f"k{n}", recipient=f"member{n}")
    tried: list[str] = []

    class Hanging:
        def send(self, message: OutboxMessage) -> None:
            tried.append(message.dedupe_key)
            clock.advance(seconds=10)
            raise RetryLater("network: ReadTimeout")

    assert Dispatcher(runtime.sessions, {"app": Hanging()}, clock).run_once() == 50
    assert len(tried) == 50 and {r.attempts for r in rows(runtime)} == {1}
