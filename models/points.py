"""The points ledger behind 排行 and 积分: what each draft earned per month, and each member's share of it.

Both tables are derived from the published submissions (bot.domain.ledger keeps them) and hold the points under
either policy and per role, so that changing the reward rules needs no rewrite: the rules apply when reading.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class DraftMonth(Base):
    """What one draft's publications in one month added to its points."""

    __tablename__ = "draft_month"
    __table_args__ = (
        Index("ix_draft_month_month_draft_id", "month", "draft_id"),
        Index("ix_draft_month_author_id_month", "author_id", "month"),  # 积分: one member's articles of a year
        Index("ix_draft_month_editor_id_month", "editor_id", "month"),
    )

    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"), primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)  # 202605 for May 2026
    # The draft's author and editor, settled before its first publication: whose points these are.
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    highest: Mapped[float]  # under 多方采用按最高计: how much the month raised the draft's best publication
    total: Mapped[float]  # under 累计: the points of the month's publications
    first_in_quarter: Mapped[bool]  # the draft's first publication in its quarter is in this month
    first_in_year: Mapped[bool]


class Share(StrEnum):
    """How a member takes part in a draft's points (the editor's share applies when reading)."""

    solo = "solo"  # the author, with no editor or as their own editor: the whole
    authored = "authored"  # the author of a draft someone else edited: the whole less the editor's share
    edited = "edited"  # the editor of someone else's draft: the editor's share


class MemberMonth(Base):
    """One member's drafts of one month in one role, added up: 排行 reads a year in a few thousand rows."""

    __tablename__ = "member_month"

    month: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    share: Mapped[str] = mapped_column(String(8), primary_key=True)
    highest: Mapped[float]
    total: Mapped[float]
    new_in_quarter: Mapped[int]  # drafts first published in their quarter this month: a quarter's articles
    new_in_year: Mapped[int]
