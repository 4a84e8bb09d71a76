"""The rest of a long reply, waiting for the member's 「更多」."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class PendingPages(Base):
    __tablename__ = "pending_pages"

    userid: Mapped[str] = mapped_column(String(64), primary_key=True)
    # "single", or "g" and 7 hex digits of a group's id: pages continue only in the chat they were cut for
    chat: Mapped[str] = mapped_column(String(8), primary_key=True, default="single", server_default="single")
    pages: Mapped[list[str]] = mapped_column(JSON)
    total: Mapped[int]
    created_at: Mapped[datetime]
