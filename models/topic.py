"""Series of reports (系列报道) planned around the office's central work, and the drafts in each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Topic(Base):
    """A series (垦造水田, 地质灾害防治, …): admins add and retire them; drafts are put into one."""

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class DraftTopic(Base):
    """The series a draft belongs to, one at most (a table of its own: the draft table is never rewritten)."""

    __tablename__ = "draft_topic"

    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), index=True)
