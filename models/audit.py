"""The append-only audit trail: who did what to which draft, when (the 审批表). The database refuses an UPDATE or
DELETE of its rows (triggers of migration 0026; a SQLite rebuild of the table must create them again)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class AuditEvent(Base):
    __tablename__ = "audit_event"
    # A month's approvals, counted from the index alone (统计), and the steps of a period (层层把关 in figures).
    __table_args__ = (Index("ix_audit_event_action_at_draft_id", "action", "at", "draft_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
