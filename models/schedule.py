"""The calendar as data: schedules (cron-like rules in the office's zone) and every firing's claim."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Schedule(Base):
    __tablename__ = "schedule"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # stable: "monthly_report", …
    job: Mapped[str] = mapped_column(String(40))  # which job function runs
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)  # APScheduler cron fields: {"day": "1", "hour": "9"}
    enabled: Mapped[bool] = mapped_column(default=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    grace_minutes: Mapped[int]  # a firing missed while down runs on start if no older than this
    updated_at: Mapped[datetime]


class JobRun(Base):
    """One firing of one schedule: claimed once (unique), then done, skipped or failed."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("schedule_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(32))  # the firing's local time, "2026-06-01T09:00"
    claimed_by: Mapped[str] = mapped_column(String(80))
    claimed_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(20))  # done, skipped, failed
    detail: Mapped[str] = mapped_column(Text, default="")
    messages: Mapped[int] = mapped_column(default=0)


class Lead(Base):
    """A news lead (线索) for the next meeting: 交流讨论最新的新闻线索."""

    __tablename__ = "lead"

    id: Mapped[int] = mapped_column(primary_key=True)
    userid: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)


class StudyItem(Base):
    """This month's study items (每月学习制度: 推荐学习书目, materials)."""

    __tablename__ = "study_item"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-05"
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
