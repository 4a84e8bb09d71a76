"""The month's figures behind 统计, kept per outlet and author so that a month reads in a few hundred rows.

Derived from the submissions (bot.domain.stats keeps them); months are local months in the office's zone.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class OutletMonth(Base):
    """One author's submissions to one outlet, counted for one month."""

    __tablename__ = "outlet_month"

    month: Mapped[int] = mapped_column(primary_key=True)  # 202605 for May 2026
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    sent: Mapped[int]  # e-mailed in the month
    published: Mapped[int]  # published in the month (whenever sent)
    used: Mapped[int]  # of those e-mailed in the month, how many are published by now
