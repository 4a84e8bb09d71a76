"""Drafts and their immutable versions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.member import Member


class DraftState(StrEnum):
    editing = "editing"
    returned = "returned"
    pending = "pending"
    approved = "approved"
    submitted = "submitted"
    published = "published"
    withdrawn = "withdrawn"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    DraftState.editing: "编辑中",
    DraftState.returned: "已退回",
    DraftState.pending: "待审核",
    DraftState.approved: "已批准",
    DraftState.submitted: "已投递",
    DraftState.published: "已刊发",
    DraftState.withdrawn: "已撤回",
}


class Draft(Base):
    __tablename__ = "draft"
    __table_args__ = (
        Index("ix_draft_author_id_id", "author_id", "id"),
        Index("ix_draft_editor_id_state", "editor_id", "state"),
        Index("ix_draft_created_at_state", "created_at", "state"),  # 统计: drafts submitted, not withdrawn
        Index("ix_draft_author_id_created_at", "author_id", "created_at"),  # …and departments without any
        Index("ix_draft_author_id_state", "author_id", "state"),  # 投稿 and 稿件: the drafts returned to the author
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), index=True)
    # Both settled before the first publication (刊发 locks the draft): the points ledger keeps them. A way to
    # change either after it would have to call bot.domain.ledger.refresh.
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    current_version: Mapped[int] = mapped_column(default=1)
    # Since when the current holder (editor, approver, author) has had the draft: for SLAs.
    state_since: Mapped[datetime]
    # An approval binds to the hash of the version approved; a later text change voids it.
    approved_hash: Mapped[str | None] = mapped_column(String(64))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    author: Mapped[Member] = relationship(foreign_keys=[author_id], lazy="joined")
    editor: Mapped[Member | None] = relationship(foreign_keys=[editor_id], lazy="joined")
    approved_by: Mapped[Member | None] = relationship(foreign_keys=[approved_by_id], lazy="joined")

    @property
    def number(self) -> str:
        return f"#{self.id}"


class DraftVersion(Base):
    __tablename__ = "draft_version"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64), index=True)  # 投稿 asks whether another member sent this text
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime]

    author: Mapped[Member] = relationship(lazy="joined")


class DraftFile(Base):
    """The original file a draft was made from: kept in the database, or on disk when FILES_DIR is set."""

    __tablename__ = "draft_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"), index=True)
    # The inbound message it came from: a file is turned into a draft once, however often the job runs.
    source_key: Mapped[str] = mapped_column(String(200), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    path: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
