"""Inbound messages already handled, so that WeCom's retries get the first reply again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class InboundMessage(Base):
    __tablename__ = "inbound_message"
    __table_args__ = (Index("ix_inbound_message_userid_received_at", "userid", "received_at"),)  # rate limit

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    userid: Mapped[str] = mapped_column(String(64))
    chat_type: Mapped[str] = mapped_column(String(8), default="single", server_default="single")  # AI bot: where
    chat_id: Mapped[str] = mapped_column(String(100), default="", server_default="")
    received_at: Mapped[datetime]
    reply: Mapped[str | None] = mapped_column(Text)
