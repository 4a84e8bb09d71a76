"""The transactional outbox: every outgoing message, committed with the change it reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class OutboxState(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    dead = "dead"


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_state_next_attempt_at", "state", "next_attempt_at"),
        # Per-recipient order: the claim asks whether an earlier row to the same recipient is unsent. With
        # the state before the id, that is a probe among the unsent rows, not a walk through every message
        # the recipient was ever sent (an editor gets one per draft).
        Index("ix_outbox_message_channel_recipient_state_id", "channel", "recipient", "state", "id"),
        # What a member was sent in the last 30 minutes (WeCom's duplicate check), not all they were ever sent.
        Index("ix_outbox_message_channel_recipient_sent_at", "channel", "recipient", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(256))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(12), default=OutboxState.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
