"""Rewards (新闻用稿奖励办法): points per publication, per draft under the multi-outlet policy, rankings.

Every total is an SQL aggregate: a draft's points are the max (policy `highest`: 多方采用按最高计，不累计)
or the sum of its publications' points in the period; the author gets them less the editor's share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Subquery, case, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from bot.domain import audit
from bot.domain.errors import UsageError
from models import Draft, Member, RewardRules, Submission, SubmissionState


def current(session: Session) -> RewardRules:
    rules = session.get(RewardRules, 1)
    if rules is None:  # the migration seeds it; a database restored without it gets the defaults back
        rules = RewardRules(id=1, central=10, provincial=5, city=3, county=2, own=1, front_page_multiplier=2,
                            policy="highest", editor_share=0)
        session.add(rules)
        session.flush()
    return rules


RULE_FIELDS = ("central", "provincial", "city", "county", "own", "front_page_multiplier", "policy", "editor_share")


def change(session: Session, changes: dict[str, str], actor: str | None, now: datetime) -> RewardRules:
    """Set rule fields from text (`city=3`, `policy=sum`), each validated; one audit event."""
    rules = current(session)
    for field, raw in changes.items():
        if field not in RULE_FIELDS:
            raise UsageError(f"没有规则「{field}」。可改：{'、'.join(RULE_FIELDS)}。")
        if field == "policy":
            if raw not in ("highest", "sum"):
                raise UsageError("policy 只能是 highest（多方采用按最高计）或 sum（累计）。")
            rules.policy = raw
            continue
        try:
            value = float(raw)
        except ValueError as exc:
            raise UsageError(f"{field} 应为数字，不是「{raw}」。") from exc
        if value < 0 or (field == "editor_share" and value > 1):
            raise UsageError(f"{field} 超出范围（积分不能为负，编辑分成在 0 到 1 之间）。")
        setattr(rules, field, value)
    audit.record(session, now, actor, "rewards.change", comment=str(changes))
    return rules


def per_draft(rules: RewardRules, start: date | None = None, end: date | None = None) -> Subquery:
    """draft_id → the points the draft earned in [start, end), and its publications there.

    Under `highest` a draft earns, in a period, what its best publication so far adds to its best one
    before the period — so quarters add up to the year and nothing is paid twice."""
    if start is not None and end is not None:
        return _per_draft_in(rules, start, end)
    where: list[ColumnElement[bool]] = [Submission.state == SubmissionState.published]
    if end is not None:
        where.append(Submission.published_on < end)
    in_period = Submission.published_on >= start if start is not None else literal(True)
    if rules.policy == "highest":
        before = func.max(Submission.points).filter(~in_period) if start is not None else literal(0.0)
        points = func.max(Submission.points) - func.coalesce(before, 0.0)
    else:
        points = func.coalesce(func.sum(Submission.points).filter(in_period), 0.0)
    publications = func.count().filter(in_period)
    return (select(Submission.draft_id, points.label("points"), publications.label("publications"))
            .where(*where).group_by(Submission.draft_id).having(publications > 0).subquery())


def _per_draft_in(rules: RewardRules, start: date, end: date) -> Subquery:
    """per_draft for [start, end), driven by the period's publications so that its cost follows the period,
    not the history: one range of ix_submission_state_published_on_draft_id_points, then, under `highest`,
    each of those drafts' publications up to the end (ix_submission_draft_id_state_published_on_points)."""
    if rules.policy == "highest":
        earlier = aliased(Submission)
        points: ColumnElement[float] = (
            select(func.max(earlier.points)
                   - func.coalesce(func.max(earlier.points).filter(earlier.published_on < start), 0.0))
            .where(earlier.draft_id == Submission.draft_id, earlier.state == SubmissionState.published,
                   earlier.published_on < end)
            .scalar_subquery())
    else:
        points = func.sum(Submission.points)
    return (select(Submission.draft_id, points.label("points"), func.count().label("publications"))
            .where(Submission.state == SubmissionState.published, Submission.published_on >= start,
                   Submission.published_on < end)
            .group_by(Submission.draft_id).subquery())


def draft_total(session: Session, draft_id: int, rules: RewardRules) -> float:
    drafts = per_draft(rules)
    return float(session.scalar(select(drafts.c.points).where(drafts.c.draft_id == draft_id)) or 0.0)


@dataclass(frozen=True)
class Standing:
    name: str  # a member's name, or a department
    department: str
    points: float
    articles: int


def _shares(rules: RewardRules, start: date, end: date) -> Subquery:
    """member_id, draft_id, points: the author's part and, with an editor's share, the editor's."""
    drafts = per_draft(rules, start, end)
    # Without an editor the author keeps the editor's share too.
    author_part = case((Draft.editor_id.is_(None), drafts.c.points),
                       else_=drafts.c.points * (1 - rules.editor_share))
    parts = [select(Draft.author_id.label("member_id"), Draft.id.label("draft_id"), author_part.label("points"))
             .join(drafts, drafts.c.draft_id == Draft.id)]
    if rules.editor_share:
        parts.append(select(Draft.editor_id.label("member_id"), Draft.id.label("draft_id"),
                            (drafts.c.points * literal(rules.editor_share)).label("points"))
                     .join(drafts, drafts.c.draft_id == Draft.id).where(Draft.editor_id.is_not(None)))
    return union_all(*parts).subquery()


def people(session: Session, start: date, end: date) -> list[Standing]:
    """Members by points in [start, end): the 优秀通讯员 ranking."""
    shares = _shares(current(session), start, end)
    rows = session.execute(
        select(Member.name, Member.department, func.sum(shares.c.points), func.count(func.distinct(shares.c.draft_id)))
        .join(shares, shares.c.member_id == Member.id)
        .group_by(Member.id, Member.name, Member.department)
        .order_by(func.sum(shares.c.points).desc(), Member.id))
    return [Standing(name, department, float(points), int(articles)) for name, department, points, articles in rows]


def departments(session: Session, start: date, end: date) -> list[Standing]:
    """Departments by their authors' points in [start, end)."""
    shares = _shares(current(session), start, end)
    rows = session.execute(
        select(Member.department, func.sum(shares.c.points), func.count(func.distinct(shares.c.draft_id)))
        .join(shares, shares.c.member_id == Member.id)
        .group_by(Member.department).order_by(func.sum(shares.c.points).desc(), Member.department))
    return [Standing(department or "未填部门", department, float(points), int(articles))
            for department, points, articles in rows]


def _part(rules: RewardRules, draft: Draft, member: Member | None) -> float:
    """The member's part of a draft's points (the whole when no member is asked about)."""
    if member is None or draft.editor_id is None:
        return 1.0
    return rules.editor_share if draft.author_id != member.id else 1 - rules.editor_share


@dataclass(frozen=True)
class Article:
    draft: Draft
    points: float
    publications: list[Submission]


def articles(session: Session, start: date, end: date, member: Member | None = None) -> list[Article]:
    """The drafts published in [start, end) with their points and publications (links as proof)."""
    rules = current(session)
    drafts = per_draft(rules, start, end)
    query = select(Draft, drafts.c.points).join(drafts, drafts.c.draft_id == Draft.id).order_by(Draft.id)
    if member is not None:
        mine = Draft.author_id == member.id
        query = query.where(mine | (Draft.editor_id == member.id) if rules.editor_share else mine)
    found = []
    for draft, points in session.execute(query):
        published = list(session.scalars(select(Submission).where(
            Submission.draft_id == draft.id, Submission.state == SubmissionState.published,
            Submission.published_on >= start, Submission.published_on < end).order_by(Submission.published_on)))
        found.append(Article(draft, float(points) * _part(rules, draft, member), published))
    return found
