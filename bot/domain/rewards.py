"""Rewards (新闻用稿奖励办法): points per publication, per draft under the multi-outlet policy, rankings.

A draft's points in a period are what it raised its best publication by (policy `highest`: 多方采用按最高计，
不累计) or the sum of its publications' points; the author gets them less the editor's share. All of it is read
from the ledger (bot.domain.ledger), with the rules applied when reading.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, case, func, literal, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, lazyload

from bot.domain import audit, ledger, periods
from bot.domain.errors import UsageError
from models import (
    Draft,
    DraftMonth,
    Level,
    Member,
    MemberMonth,
    Outlet,
    RewardRules,
    Share,
    Submission,
    SubmissionState,
)


def current(session: Session) -> RewardRules:
    rules = session.get(RewardRules, 1)
    if rules is None:  # the migration seeds it; a database restored without it gets the defaults back
        rules = RewardRules(id=1, central=10, provincial=5, city=3, county=2, own=1, front_page_multiplier=2,
                            policy="highest", editor_share=0)
        session.add(rules)
        session.flush()
    return rules


RULE_FIELDS = ("central", "provincial", "city", "county", "own", "front_page_multiplier", "policy", "editor_share")
# The rules a publication's points are computed by when it is recorded; the others apply when reading.
PER_PUBLICATION = frozenset(RULE_FIELDS[:6])


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
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise UsageError(f"{field} 应为数字，例如 {field}=3，不是「{raw}」。")
        if value < 0 or (field == "editor_share" and value > 1):
            raise UsageError(f"{field} 超出范围（积分不能为负，编辑分成在 0 到 1 之间）。")
        setattr(rules, field, value)
    audit.record(session, now, actor, "rewards.change", comment=str(changes))
    return rules


def reprice(session: Session, since: date, actor: str | None, now: datetime) -> int:
    """Give the publications of `since` and later the points of today's rules and outlet levels, and rewrite the
    totals; returns how many publications changed. Each publication keeps the points of its day until then:
    a new 奖励办法 does not rewrite settlements already paid, but a rule set late or wrongly can be put right."""
    rules, changed = current(session), 0
    session.execute(update(Submission).where(Submission.state == SubmissionState.published,
                                             Submission.published_on >= since)
                    .values(front_page_multiplier=rules.front_page_multiplier),
                    execution_options={"synchronize_session": False})  # a 头版 learnt later: today's rules too
    for level in Level:
        for front_page in (False, True):
            points = rules.points(level, front_page)
            changed += session.execute(update(Submission).where(
                Submission.state == SubmissionState.published, Submission.published_on >= since,
                Submission.front_page.is_(front_page), Submission.points != points,
                Submission.outlet_id.in_(select(Outlet.id).where(Outlet.level == level))).values(points=points),
                execution_options={"synchronize_session": False}).rowcount  # type: ignore[attr-defined]
    if changed:
        ledger.rebuild(session)
    audit.record(session, now, actor, "rewards.reprice", comment=f"{since:%Y-%m-%d} 起 {changed} 条刊发记录")
    return changed


def draft_quarters(session: Session, draft_id: int, rules: RewardRules) -> dict[tuple[int, int], float]:
    """The draft's points by the quarter they count in (each quarter's settlement and ranking, and so the year's)."""
    quarters: dict[tuple[int, int], float] = {}
    for month, points in session.execute(select(DraftMonth.month, _points(rules, DraftMonth))
                                         .where(DraftMonth.draft_id == draft_id)):
        quarter = (month // 100, periods.quarter(month % 100))
        quarters[quarter] = quarters.get(quarter, 0.0) + points
    return quarters


def moved_between_quarters(before: dict[tuple[int, int], float], after: dict[tuple[int, int], float]) -> str:
    """「2026年第4季度 +3 分，2027年第1季度 -3 分」 when a change moved points from one quarter to another (按最高计:
    an earlier publication recorded late takes the best one's place in its own quarter), else ""."""
    changes = {quarter: after.get(quarter, 0.0) - before.get(quarter, 0.0) for quarter in sorted(before | after)}
    moved = [f"{year}年第{quarter}季度 {change:+g} 分" for (year, quarter), change in changes.items() if change]
    return "，".join(moved) if len(moved) > 1 else ""


@dataclass(frozen=True)
class Standing:
    name: str  # a member's name, or a department
    department: str
    points: float
    articles: int
    active: bool = True  # a member who left stays in the ranking of their year, marked (评选 is of those here)
    userid: str = ""  # a member's

    @property
    def note(self) -> str:
        """「已停用」 for a member who left, in every ranking read for 评选 and paying; else empty."""
        return "" if self.active else "已停用"

    def member_line(self, rank: int) -> str:
        """「1. 张三（办公室）12 分，3 篇」: a member's place in a ranking; 「（办公室，已停用）」 for one who left."""
        where = "，".join(filter(None, (self.department or "未填部门", self.note)))
        return f"{rank}. {self.name}（{where}）{self.points:g} 分，{self.articles} 篇"

    def department_line(self, rank: int) -> str:
        """「1. 办公室 12 分，3 篇」: a department's place in a ranking."""
        return f"{rank}. {self.name} {self.points:g} 分，{self.articles} 篇"


def placed(standings: list[Standing], top: int) -> list[tuple[int, Standing]]:
    """(place, standing) down to place `top`: equal points share a place (1, 1, 3), and all tied at `top` stay.

    评选 reads the numbers: two members with the same points must not be told apart by who joined first."""
    result: list[tuple[int, Standing]] = []
    for n, standing in enumerate(standings, start=1):
        tied = result and round(standing.points, 6) == round(result[-1][1].points, 6)  # sums of floats
        place = result[-1][0] if tied else n
        if place > top:
            break
        result.append((place, standing))
    return result


def people(session: Session, start: date, end: date) -> list[Standing]:
    """Members by points in [start, end), a year or a quarter: the 优秀通讯员 ranking."""
    rules = current(session)
    points, articles = _weighted(rules), func.sum(_new_in(start, end))
    rows = session.execute(
        select(Member.name, Member.department, points, articles, Member.active, Member.userid)
        .join(MemberMonth, MemberMonth.member_id == Member.id).where(*_within(rules, start, end))
        .group_by(Member.id, Member.name, Member.department, Member.active, Member.userid)
        .order_by(points.desc(), Member.id))
    return [Standing(name, department, float(points), int(articles), active, userid)
            for name, department, points, articles, active, userid in rows]


def departments(session: Session, start: date, end: date) -> list[Standing]:
    """Departments by their members' points in [start, end); their articles are those their members wrote."""
    rules = current(session)
    points = _weighted(rules)
    articles = func.sum(case((MemberMonth.share == Share.edited, 0), else_=_new_in(start, end)))
    rows = session.execute(
        select(Member.department, points, articles)
        .join(MemberMonth, MemberMonth.member_id == Member.id).where(*_within(rules, start, end))
        .group_by(Member.department).order_by(points.desc(), Member.department))
    return [Standing(department or "未填部门", department, float(points), int(articles))
            for department, points, articles in rows]


def _points(rules: RewardRules, table: type[DraftMonth] | type[MemberMonth]) -> InstrumentedAttribute[float]:
    return table.highest if rules.highest_only else table.total


def _weighted(rules: RewardRules) -> ColumnElement[float]:
    """A member's points from their totals: the editor's share goes to the editor, the rest to the author."""
    share = literal(rules.editor_share)
    weight = case((MemberMonth.share == Share.solo, literal(1.0)), (MemberMonth.share == Share.authored, 1 - share),
                  else_=share)
    return func.sum(weight * _points(rules, MemberMonth))


def _within(rules: RewardRules, start: date, end: date) -> list[ColumnElement[bool]]:
    """The member months of [start, end); an editor's drafts count only while editors get a share."""
    where = [MemberMonth.month >= ledger.month_key(start), MemberMonth.month < ledger.month_key(end)]
    if not rules.editor_share:
        where.append(MemberMonth.share != Share.edited)
    return where


def _new_in(start: date, end: date) -> InstrumentedAttribute[int]:
    """The column counting a period's articles (each once, in the month of its first publication there)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if (start.day, end.day) == (1, 1) and start.month == 1 and months == 12:
        return MemberMonth.new_in_year
    if (start.day, end.day) == (1, 1) and start.month % 3 == 1 and months == 3:
        return MemberMonth.new_in_quarter
    raise ValueError(f"rankings are by year or quarter, not {start}–{end}")


def shares(rules: RewardRules, draft: Draft) -> tuple[float, float]:
    """(author's, editor's) part of a draft's points: the editor's only when someone else edited it. The
    ledger keeps the same rule in SQL (ledger._SHARES)."""
    if draft.editor_id in (None, draft.author_id):
        return 1.0, 0.0
    return 1 - rules.editor_share, rules.editor_share


def _part(rules: RewardRules, draft: Draft, member: Member | None) -> float:
    """The member's part of a draft's points (the whole when no member is asked about)."""
    if member is None:
        return 1.0
    author, editor = shares(rules, draft)
    return author if member.id == draft.author_id else editor


@dataclass(frozen=True)
class Article:
    draft: Draft
    points: float
    publications: list[Submission]


def articles(session: Session, start: date, end: date, member: Member | None = None) -> list[Article]:
    """The drafts published in [start, end) with their points and publications (links or pages as proof)."""
    rules = current(session)
    in_period = select(DraftMonth.draft_id).where(DraftMonth.month >= ledger.month_key(start),
                                                  DraftMonth.month < ledger.month_key(end))
    if member is not None:
        mine = DraftMonth.author_id == member.id
        in_period = in_period.where(mine | (DraftMonth.editor_id == member.id) if rules.editor_share else mine)
    earned = (in_period.add_columns(func.sum(_points(rules, DraftMonth)).label("points"))
              .group_by(DraftMonth.draft_id).subquery())
    found = session.execute(select(Draft, earned.c.points).join(earned, earned.c.draft_id == Draft.id)
                            .order_by(Draft.id)).all()
    publications: dict[int, list[Submission]] = defaultdict(list)
    for publication in session.scalars(
            select(Submission).where(Submission.draft_id.in_(in_period), Submission.state == SubmissionState.published,
                                     Submission.published_on >= start, Submission.published_on < end)
            .options(lazyload(Submission.draft))  # loaded just above
            .order_by(Submission.published_on)):
        publications[publication.draft_id].append(publication)
    return [Article(draft, float(points) * _part(rules, draft, member), publications[draft.id])
            for draft, points in found]
