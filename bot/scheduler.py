"""The calendar: every firing is claimed once in the database, then run — in Asia/Shanghai, whatever
the server's zone, once across any number of processes, and once after downtime within its grace.

APScheduler is only the clock: it calls `Calendar.tick` every few seconds. The tick reads the schedules
from the database (so a change needs no restart), finds each schedule's latest firing since the last one
recorded, claims `(schedule, period)` with a unique row, and runs it if it is within the grace period.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.domain.schedules import MAX_GRACE_MINUTES, trigger
from bot.jobs import JOBS, JobContext, Skipped, failed, missed
from models import JobRun, Schedule

log = logging.getLogger(__name__)



def period_of(fire: datetime) -> str:
    return f"{fire:%Y-%m-%dT%H:%M:%S}"


def latest_fire(rule: CronTrigger, since: datetime, now: datetime) -> datetime | None:
    """The last firing in (since, now], found without walking every firing of a fast rule:
    widen a window back from `now` until it holds one, then step forward to the last."""
    tick, window = timedelta(microseconds=1), timedelta(seconds=1)
    while True:
        start = max(now - window, since)
        fire: datetime | None = rule.get_next_fire_time(None, start + tick)
        if fire is not None and fire <= now:
            break
        if start <= since:
            return None
        window *= 2
    while (following := rule.get_next_fire_time(fire, fire + tick)) is not None and following <= now:
        fire = following
    return fire


class Calendar:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings, clock: Callable[[], datetime],
                 worker: str | None = None) -> None:
        self._sessions, self._settings, self._clock = sessions, settings, clock
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"

    def tick(self) -> list[tuple[str, str, str]]:
        """Claim and run (or skip) every firing due now; returns (schedule, period, outcome) of those claimed."""
        now = self._clock()
        with self._sessions.begin() as session:
            schedules = list(session.scalars(select(Schedule).where(Schedule.enabled.is_(True))
                                             .order_by(Schedule.id)))
            session.expunge_all()
        claimed = []
        for schedule in schedules:
            try:
                claimed += self._due(schedule, now)
            except Exception:  # one broken schedule must not stop the others
                log.exception("schedule %s failed", schedule.id)
        return claimed

    def _due(self, schedule: Schedule, now: datetime) -> list[tuple[str, str, str]]:
        """The latest firing since the last one recorded: run if within grace, else recorded as skipped.

        Older firings missed in between (the bot was down) are not run: one catch-up, never a burst."""
        # Capped as 日程 设置 caps it: a value stored before the cap would overflow on every tick.
        zone, grace = self._settings.zone, timedelta(minutes=min(schedule.grace_minutes, MAX_GRACE_MINUTES))
        with self._sessions.begin() as session:
            last = session.scalar(select(JobRun.period).where(JobRun.schedule_id == schedule.id)
                                  .order_by(JobRun.period.desc()).limit(1))
        # Firings before the schedule was installed, enabled or its rule changed are not "missed": start from then. One
        # that never ran yet (a yearly job in its first year) still has its missed firing recorded as skipped.
        installed = schedule.updated_at.astimezone(zone)
        since = max(datetime.fromisoformat(last).replace(tzinfo=zone), installed) if last else installed
        fire = latest_fire(trigger(schedule.rule, zone), since, now)
        if fire is None:
            return []
        outcome = self._claim(schedule, fire, now, run=now - fire <= grace)
        return [(schedule.id, period_of(fire), outcome)] if outcome is not None else []

    def _claim(self, schedule: Schedule, fire: datetime, now: datetime, run: bool) -> str | None:
        """Insert the (schedule, period) row and act in the same transaction; None if someone else has it."""
        try:
            with self._sessions.begin() as session:
                record = JobRun(schedule_id=schedule.id, period=period_of(fire), claimed_by=self.worker,
                                claimed_at=now, outcome="skipped" if not run else "done", detail="", messages=0)
                session.add(record)
                session.flush()
                if not run:
                    record.detail = "missed while the bot was down, beyond its grace period"
                    missed(session, schedule, fire, now)
                    return record.outcome
                job = JOBS.get(schedule.job)
                try:
                    with session.begin_nested():
                        if job is None:
                            raise LookupError(f"unknown job {schedule.job!r}")
                        record.messages = job(JobContext(session, self._settings, schedule, fire, now))
                except Skipped as skip:
                    record.outcome, record.detail = "skipped", str(skip)[:500]
                except Exception as exc:
                    log.exception("job %s for %s failed", schedule.id, record.period)
                    record.outcome, record.detail = "failed", f"{type(exc).__name__}: {exc}"[:500]
                    failed(session, schedule, fire, now)
                return record.outcome
        except IntegrityError:
            return None  # another process claimed this firing first


class SchedulerThread:
    """APScheduler's BackgroundScheduler calling `Calendar.tick` on an interval."""

    def __init__(self, calendar: Calendar, settings: Settings) -> None:
        self._scheduler = BackgroundScheduler(timezone=settings.zone)
        self._scheduler.add_job(calendar.tick, "interval", seconds=settings.scheduler_tick_seconds,
                                id="calendar-tick", max_instances=1, coalesce=True,
                                next_run_time=datetime.now(settings.zone))

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        self._scheduler.shutdown(wait=True)
