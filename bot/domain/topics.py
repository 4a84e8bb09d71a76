"""Series of reports (专题, 组织策划系列报道): admins name them, drafts are put into one, and each series is
counted: its drafts and its published articles in a year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from bot.domain import audit, stats
from bot.domain.drafts import get
from bot.domain.errors import NotFound, Refused, UsageError
from bot.text import to_half_width
from models import Draft, DraftState, DraftTopic, Member, Role, Submission, SubmissionState, Topic

NAME_MAX_CHARS = 32
_RESERVED = ("添加", "停用", "无")  # the command's own words


def active(session: Session) -> list[Topic]:
    return list(session.scalars(select(Topic).where(Topic.active.is_(True)).order_by(Topic.id)))


def find(session: Session, name: str, *, retired_too: bool = False) -> Topic:
    """The series called `name` (full-width letters and digits as half-width); a retired one says so."""
    name = to_half_width(name.strip())
    topic = session.scalar(select(Topic).where(Topic.name == name))
    if topic is not None and not (topic.active or retired_too):
        raise Refused(f"专题「{name}」已停用。要重新使用请管理员发送「专题 添加 {name}」。")
    if topic is None:
        known = "、".join(t.name for t in active(session)) or "（还没有，管理员可发送「专题 添加 名称」）"
        raise NotFound(f"没有专题「{name}」。现有专题：{known}")
    return topic


def add(session: Session, name: str, now: datetime, actor: str | None) -> Topic:
    name = to_half_width(name.strip())
    # 「专题 2026」 is a year and 「专题 #12 …」 a draft: a name may begin with neither.
    if (not name or len(name) > NAME_MAX_CHARS or any(c.isspace() for c in name) or name in _RESERVED
            or name[0].isdigit() or name[0] == "#"):
        raise UsageError(f"专题名称最多 {NAME_MAX_CHARS} 个字，不能有空格，不能以数字或 # 开头，"
                         f"也不能是「{'」「'.join(_RESERVED)}」。例如：专题 添加 垦造水田")
    topic = session.scalar(select(Topic).where(Topic.name == name))
    if topic is not None and topic.active:
        raise UsageError(f"已经有专题「{name}」。")
    if topic is None:
        topic = Topic(name=name, active=True, created_at=now)
        session.add(topic)
    topic.active = True  # a retired series taken up again keeps its drafts
    audit.record(session, now, actor, "topic.add", comment=name)
    return topic


def of_theme_day(session: Session, name: str, now: datetime) -> Topic | None:
    """The series of a theme day's drafts (主题宣传: 学雷锋日, 全国土地日 …), opened by its first call for drafts and
    counted year by year; None when an admin retired it, or its name cannot be a series' name."""
    topic = session.scalar(select(Topic).where(Topic.name == to_half_width(name.strip())))
    if topic is not None:
        return topic if topic.active else None
    try:
        with session.begin_nested():  # a name refused leaves nothing behind
            return add(session, name, now, None)
    except UsageError:
        return None


def retire(session: Session, name: str, now: datetime, actor: str) -> Topic:
    """No new drafts go into it; its drafts stay in it and it stays in the counts of its years."""
    topic = find(session, name)
    topic.active = False
    audit.record(session, now, actor, "topic.retire", comment=topic.name)
    return topic


def put(session: Session, draft_id: int, member: Member, name: str | None, now: datetime) -> tuple[Draft, str | None]:
    """Put a draft into a series (None: into none), by its author, its editor or an admin; returns the draft and
    the series' name as stored."""
    draft = get(session, draft_id)
    if not (member.id in (draft.author_id, draft.editor_id) or member.may(Role.admin)):
        raise Refused(f"只有稿件 {draft.number} 的作者、编辑或管理员可以设置专题，请联系他们。", draft.id)
    if draft.state == DraftState.withdrawn:
        raise Refused(f"稿件 {draft.number} 已撤回，不能设置专题。", draft.id)
    link = session.get(DraftTopic, draft.id)
    if name is None:
        if link is None:
            raise UsageError(f"稿件 {draft.number} 不在任何专题中。")
        session.delete(link)
    else:
        topic = find(session, name)
        if link is not None and link.topic_id == topic.id:
            raise UsageError(f"稿件 {draft.number} 已在专题「{topic.name}」中，无需重复设置。")
        if link is None:
            session.add(DraftTopic(draft_id=draft.id, topic_id=topic.id))
        else:
            link.topic_id = topic.id
        name = topic.name
    audit.record(session, now, member.userid, "topic", draft_id=draft.id, comment=name or "无")
    return draft, name


def of_draft(session: Session, draft_id: int) -> str | None:
    return session.scalar(select(Topic.name).join(DraftTopic, DraftTopic.topic_id == Topic.id)
                          .where(DraftTopic.draft_id == draft_id))


@dataclass(frozen=True)
class Count:
    name: str
    active: bool
    drafts: int  # submitted in the year
    published: int  # drafts with a publication in the year


def counts(session: Session, start: date, end: date, zone: ZoneInfo) -> list[Count]:
    """Each series that is active or had a draft or a publication in the local days [start, end)."""
    since, until = stats.instant(start, zone), stats.instant(end, zone)
    drafts = {topic_id: n for topic_id, n in session.execute(
        select(DraftTopic.topic_id, func.count()).join(Draft, Draft.id == DraftTopic.draft_id)
        .where(Draft.created_at >= since, Draft.created_at < until, Draft.state != DraftState.withdrawn)
        .group_by(DraftTopic.topic_id))}  # as 统计 counts 投稿: a withdrawn draft is none
    published = {topic_id: n for topic_id, n in session.execute(
        select(DraftTopic.topic_id, func.count(distinct(Submission.draft_id)))
        .join(Submission, Submission.draft_id == DraftTopic.draft_id)
        .where(Submission.state == SubmissionState.published, Submission.published_on >= start,
               Submission.published_on < end).group_by(DraftTopic.topic_id))}
    return [Count(t.name, t.active, drafts.get(t.id, 0), published.get(t.id, 0))
            for t in session.scalars(select(Topic).order_by(Topic.id))
            if t.active or t.id in drafts or t.id in published]


def drafts_in(session: Session, topic: Topic, limit: int) -> tuple[list[Draft], int]:
    """The newest drafts of a series, and how many it has (withdrawn ones are no part of it)."""
    in_topic = (select(DraftTopic.draft_id).join(Draft, Draft.id == DraftTopic.draft_id)
                .where(DraftTopic.topic_id == topic.id, Draft.state != DraftState.withdrawn))
    total = session.scalar(select(func.count()).select_from(in_topic.subquery())) or 0
    newest = session.scalars(select(Draft).where(Draft.id.in_(in_topic)).order_by(Draft.id.desc()).limit(limit))
    return list(newest), total
