"""The office's training record (通讯员培训台账): each training and who took part."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Training(Base):
    """A training held or attended: the yearly one with experienced journalists, or a writing course outside."""

    __tablename__ = "training"
    __table_args__ = (UniqueConstraint("day", "title"),)  # the same message sent twice is one training

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)  # a year's trainings: the unique (day, title) index
    title: Mapped[str] = mapped_column(String(60))
    speaker: Mapped[str] = mapped_column(String(60), default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]


class TrainingAttendance(Base):
    """A member who took part in a training."""

    __tablename__ = "training_attendance"

    training_id: Mapped[int] = mapped_column(ForeignKey("training.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True, index=True)
