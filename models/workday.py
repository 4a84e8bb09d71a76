"""The office's own calendar of days off and weekend days worked (法定节假日与调休)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class SpecialDay(Base):
    """A day that is not as its weekday says: a holiday (off) or a weekend day worked (调休上班)."""

    __tablename__ = "special_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    off: Mapped[bool]
    name: Mapped[str] = mapped_column(String(40))
