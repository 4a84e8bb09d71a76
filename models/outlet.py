"""Outlets (媒体), the submissions of drafts to them (一稿多投), and the reward rules (新闻用稿奖励办法)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.draft import Draft


class Level(StrEnum):
    central = "central"
    provincial = "provincial"
    city = "city"
    county = "county"
    own = "own"

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]


LEVEL_LABELS = {Level.central: "中央", Level.provincial: "省级", Level.city: "市级", Level.county: "县级",
                Level.own: "本单位新媒体"}


class Outlet(Base):
    __tablename__ = "outlet"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    aliases: Mapped[str] = mapped_column(String(200), default="")  # '|'-joined short names
    level: Mapped[str] = mapped_column(String(16))
    mailbox: Mapped[str] = mapped_column(String(200), default="")
    min_chars: Mapped[int | None]
    max_chars: Mapped[int | None]
    max_title_chars: Mapped[int | None]
    photos_required: Mapped[bool] = mapped_column(default=False)
    byline: Mapped[str] = mapped_column(String(100), default="")  # e.g. "通讯员 {author}", put under the title
    attachment: Mapped[str] = mapped_column(String(8), default="docx")  # "docx" or "inline"
    subject_template: Mapped[str] = mapped_column(String(200), default="{title}")
    purpose: Mapped[str] = mapped_column(Text, default="")  # 用途需求
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    @property
    def alias_list(self) -> list[str]:
        return [alias for alias in self.aliases.split("|") if alias]


class SubmissionState(StrEnum):
    queued = "queued"
    sending = "sending"  # handed to SMTP; found so by a later attempt, it may have been sent: the editor is asked
    sent = "sent"
    published = "published"
    not_used = "not_used"
    failed = "failed"  # the e-mail could not be sent: 投递 again once the cause is fixed
    unsure = "unsure"  # the connection broke once the e-mail was handed over: only a 投递 naming the outlet sends it

    @property
    def label(self) -> str:
        return {"queued": "待发送", "sending": "发送中", "sent": "已投递", "published": "已刊发", "not_used": "未采用",
                "failed": "发送失败", "unsure": "可能已发出（请向媒体确认）"}[self.value]


class Submission(Base):
    """One draft sent to one outlet: queued → sent → published | not_used."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("draft_id", "outlet_id"),
        # The month's figures of one outlet (bot.domain.stats.recount).
        Index("ix_submission_outlet_id_sent_at", "outlet_id", "sent_at"),
        Index("ix_submission_outlet_id_published_on", "outlet_id", "published_on"),
        # 转载: of the month's publications, those no e-mail of ours preceded (none was sent: 刊发 recorded them
        # alone, or our e-mail never left).
        Index("ix_submission_reprints_published_on", "published_on", sqlite_where=text("sent_at IS NULL"),
              postgresql_where=text("sent_at IS NULL")),
        # The editor's 待我处理: sent drafts with an e-mail that did not go out (or may not have arrived).
        Index("ix_submission_unsent_draft_id", "draft_id", sqlite_where=text("state IN ('failed', 'unsure')"),
              postgresql_where=text("state IN ('failed', 'unsure')")),
        # 刊发: is this link another publication's already?
        Index("ix_submission_link_key", "link_key", sqlite_where=text("link_key IS NOT NULL"),
              postgresql_where=text("link_key IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"))
    version: Mapped[int]
    state: Mapped[str] = mapped_column(String(12))
    message_id: Mapped[str] = mapped_column(String(200))
    sent_to: Mapped[str | None] = mapped_column(String(256))  # the mailbox its e-mail went to (None before 0037)
    queued_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    published_on: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(1000))
    link_key: Mapped[str | None] = mapped_column(String(64))  # the url as links.link_key compares it
    page: Mapped[str | None] = mapped_column(String(20))  # in print without a link: 第3版, 2026年第5期
    front_page: Mapped[bool] = mapped_column(default=False)
    points: Mapped[float] = mapped_column(default=0.0)  # this publication's points under the rules of its day
    # The 头版 multiplier of that day, for a 头版 learnt or taken back later (None before revision 0028: today's).
    front_page_multiplier: Mapped[float | None]

    draft: Mapped[Draft] = relationship(lazy="joined")
    outlet: Mapped[Outlet] = relationship(lazy="joined")


class RewardRules(Base):
    """The office's reward rules; one row (id 1), edited by admins."""

    __tablename__ = "reward_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    central: Mapped[float]
    provincial: Mapped[float]
    city: Mapped[float]
    county: Mapped[float]
    own: Mapped[float]
    front_page_multiplier: Mapped[float]
    policy: Mapped[str] = mapped_column(String(8))  # "highest" (多方采用按最高计，不累计) or "sum"
    editor_share: Mapped[float]  # the editor's part of an article's points; the author gets the rest

    @property
    def highest_only(self) -> bool:
        """多方采用按最高计，不累计: a draft's points are its best publication's."""
        return self.policy == "highest"

    def points(self, level: str, front_page: bool) -> float:
        base = float(getattr(self, Level(level).value))
        return base * (self.front_page_multiplier if front_page else 1.0)
