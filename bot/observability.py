"""What an operator watches: one log line per callback and `GET /metrics` (Prometheus text format).

Callback counts and latencies live in the serving process (with `serve --workers N`, prometheus_client's
multiprocess mode sums the workers). Outbox and scheduler figures are read from the database when scraped,
so every process reports the same, whichever serves the scrape.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, make_url, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from models import JobRun, OutboxMessage
from models.outbox import OutboxState

log = logging.getLogger("newsbot.callback")
scrape_log = logging.getLogger("newsbot.metrics")

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable

CALLBACKS = Counter("newsbot_callbacks", "Callbacks answered, by endpoint and outcome", ["endpoint", "outcome"])
HANDLER_SECONDS = Histogram("newsbot_handler_seconds", "Time to answer a verified callback, by command",
                            ["command"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))


@dataclass(frozen=True)
class CallbackTrace:
    """What one callback did, for the log line and the counters. Never the message text or a secret."""

    endpoint: str  # "app" or "aibot"
    outcome: str  # ok, duplicate, refused, invalid, rejected, too_large, error, …
    key: str = "-"
    member: str = "-"
    command: str = "-"
    detail: str = ""  # why a callback was rejected: "bad signature", "stale timestamp", …


def configure_logging() -> None:
    """INFO and up to stderr with a timestamp; every process calls it (uvicorn's workers included)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("uvicorn.access").addFilter(skip_callback_access)  # added once, however often called
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # two lines per tick would bury the callbacks
    # httpx logs every request's URL at INFO, and WeCom's carry the secret, the access token or the robot key.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def announce_process(role: str, database_url: str, *doing: str) -> None:
    """Once at start, what this process is (`newsbot serve`, `dispatcher`, `scheduler`), what it runs and its
    database (never the password): with several units, each journal says which is which."""
    url = make_url(database_url)
    url = url.update_query_dict({key: "***" for key in url.query if "password" in key.lower()})  # libpq's ?password=
    database = url.render_as_string(hide_password=True)
    logging.getLogger("newsbot.process").info("newsbot %s pid=%d %s database=%s", role, os.getpid(), " ".join(doing),
                                              database)


def skip_callback_access(record: logging.LogRecord) -> bool:
    """Drop uvicorn's access line for an answered callback POST: the callback's own line says more, and
    formatting uvicorn's cost about 4 % of a callback's instructions. A refused callback keeps it (it names
    the client's address), and so do other requests (/metrics, /healthz, strays)."""
    args = record.args  # uvicorn's: client, method, path with query, HTTP version, status
    return not (isinstance(args, tuple) and len(args) == 5 and args[1] == "POST" and args[4] == 200
                and str(args[2]).startswith(("/wecom/callback", "/wecom/aibot")))


def record_callback(trace: CallbackTrace, seconds: float) -> None:
    CALLBACKS.labels(trace.endpoint, trace.outcome).inc()
    if trace.command != "-":
        HANDLER_SECONDS.labels(trace.command).observe(seconds)
    log.info("callback endpoint=%s key=%s member=%s command=%s outcome=%s ms=%.1f%s", trace.endpoint,
             _token(trace.key), _token(trace.member), _token(trace.command), trace.outcome, seconds * 1000,
             f' reason="{trace.detail}"' if trace.detail else "")


def _token(value: str) -> str:
    """One logfmt token: ids from WeCom are plain, but a user id is not ours to trust."""
    return "".join(c if c.isprintable() and not c.isspace() and c not in '"=' else "_" for c in value)[:80] or "-"


class DatabaseCollector(Collector):
    """Outbox rows by state and scheduler firings by schedule and outcome, counted at scrape time; while the
    database does not answer, `newsbot_database_up 0` instead (and a 200: the callbacks' errors must show)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("newsbot_database_up", "Whether the database answered this scrape (1) or not (0)")
        try:
            figures = list(self._figures())
        except SQLAlchemyError as exc:  # the callback counters matter most now: still served, without these
            scrape_log.warning("/metrics: the database did not answer (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures

    def _figures(self) -> Iterator[Metric]:
        outbox = GaugeMetricFamily("newsbot_outbox_messages", "Outbox rows not yet sent, by state", labels=["state"])
        runs = GaugeMetricFamily("newsbot_scheduler_runs", "Calendar firings claimed, by schedule and outcome",
                                 labels=["schedule", "outcome"])
        with self.sessions() as session:
            unsent = (OutboxState.pending, OutboxState.sending, OutboxState.dead)  # sent rows pile up until purged
            counts = dict(session.execute(select(OutboxMessage.state, func.count())
                                          .where(OutboxMessage.state.in_(unsent)).group_by(OutboxMessage.state)).all())
            for state in unsent:
                outbox.add_metric([state], counts.get(state, 0))
            for schedule, outcome, count in session.execute(
                    select(JobRun.schedule_id, JobRun.outcome, func.count())
                    .group_by(JobRun.schedule_id, JobRun.outcome)):
                runs.add_metric([schedule, outcome], count)
        yield outbox
        yield runs


def metrics_text(sessions: sessionmaker[Session]) -> bytes:
    """The Prometheus exposition of this process (or of all workers) plus the database figures."""
    process: CollectorRegistry = REGISTRY
    if os.environ.get(MULTIPROCESS_DIR):
        process = CollectorRegistry()
        MultiProcessCollector(process)  # type: ignore[no-untyped-call]
    database = CollectorRegistry()
    database.register(DatabaseCollector(sessions))
    return generate_latest(process) + generate_latest(database)
