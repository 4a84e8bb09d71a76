"""State shared by every process that talks to WeCom: the access token and the robot's send window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class AccessToken(Base):
    """One cached token per app; `refreshing_until` is the lease of the one process fetching a new one."""

    __tablename__ = "access_token"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    token: Mapped[str | None] = mapped_column(String(512))
    expires_at: Mapped[datetime | None]
    refreshing_until: Mapped[datetime | None]
    # The last gettoken failure ("errcode|errmsg"), repeated to every caller until `failed_until`.
    error: Mapped[str | None] = mapped_column(String(300))
    failed_until: Mapped[datetime | None]


class SendWindow(Base):
    """Recent send times under a rate limit: the group robot's, or an app's messages to one member."""

    __tablename__ = "send_window"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    sent: Mapped[list[Any]] = mapped_column(JSON)  # ISO times of the sends in the current window
