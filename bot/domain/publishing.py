"""刊发, 不采用 and 撤销刊发: the publications of drafts sent out (bot.domain.submitting) come back, with their proof,
points and the group's 用稿反馈; a bare link is matched to the draft it may be a publication of."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot import outbox
from bot.domain import audit, ledger, outlets, rewards, stats
from bot.domain.drafts import approved_version, compare_and_set, editor_or_admins, get, may_see
from bot.domain.errors import Refused, UsageError
from bot.domain.links import check_url, href, link_key
from bot.domain.proof import Proof, where_seen
from bot.domain.submitting import PUBLISHABLE, publishable, submissions
from bot.text import QUOTED_NUMBER, URL, markdown_plain, to_half_width
from models import AuditEvent, Draft, DraftState, Level, Member, Outlet, RewardRules, Role, Submission, SubmissionState

S = DraftState
_LINK_CANDIDATES = 200  # a bare link is matched against the newest approved drafts
_NOT_IN_TITLES = re.compile(r"[\s《》〈〉“”\"'「」『』:：]+")
_LISTED = 5
FEEDBACK_POSTS_A_DAY = 3  # of one publication: the first and two corrections; more would flood the group


@dataclass(frozen=True)
class Published:
    submission: Submission
    added_points: float
    repeated: bool  # the publication was recorded before: no points, no 用稿反馈
    corrected: str = ""  # …and this one corrected it: what changed, in words
    posted: bool = True  # …and posted to the group (not when its 用稿反馈 went there often enough today)
    total: float = 0.0  # the draft's points after it
    moved: str = ""  # …and how they moved between quarters, when they did (rewards.moved_between_quarters)


def publish(session: Session, draft_id: int, member: Member, outlet_word: str, proof: Proof, now: datetime,
            zone: ZoneInfo, on: date | None = None) -> Published:
    """刊发: record a publication (once per draft and outlet) seen at `proof` on the day `on` (today when not
    given), award points, post 用稿反馈 to the group."""
    # Locked before any write: a change made to the draft at the same moment (a revision voiding its approval,
    # an editor claiming it, an e-mail to the same outlet) comes wholly before this publication or after it.
    draft = get(session, draft_id, lock=True)
    _require_may_see(draft, member, "登记刊发")
    outlet = outlets.find(session, outlet_word, include_retired=True)
    if proof.page == f"《{draft.title}》":  # the article's own title written beside its link: no programme
        proof = replace(proof, page=None)
    proof = proof.checked()
    if not publishable(draft):
        raise Refused(f"稿件 {draft.number} 当前{S(draft.state).label}，不能登记刊发（只有批准过的稿件可以）。",
                      draft.id)
    if on is not None:
        _check_day(draft, on, now, zone)
    if proof.url is not None:
        _require_new_link(session, proof.url, draft, outlet)
    submission = session.scalar(select(Submission).where(Submission.draft_id == draft.id,
                                                         Submission.outlet_id == outlet.id))
    if submission is not None and submission.state == SubmissionState.published:
        return _correct(session, draft, outlet, submission, member, proof, on, now, zone)
    if submission is None:  # published without our e-mail: sent by the author, or a reprint (转载) of an earlier one
        approved = approved_version(session, draft)
        submission = Submission(draft_id=draft.id, outlet_id=outlet.id, version=approved.number, message_id="",
                                state=SubmissionState.sent, queued_at=now)
        session.add(submission)
    elif submission.state in (SubmissionState.sending, SubmissionState.unsure) and submission.sent_at is None:
        submission.sent_at = now  # our e-mail reached the server, or may have: no reprint, and never sent again
    rules, day = rewards.current(session), on or now.astimezone(zone).date()
    before = rewards.draft_quarters(session, draft.id, rules)
    session.flush()
    recorded = session.execute(update(Submission).where(Submission.id == submission.id,
                                                        Submission.state != SubmissionState.published).values(
        state=SubmissionState.published, url=proof.url, link_key=link_key(proof.url) if proof.url else None,
        page=proof.page, published_on=day, front_page=proof.front_page,
        points=rules.points(outlet.level, proof.front_page), front_page_multiplier=rules.front_page_multiplier))
    session.refresh(submission)
    if recorded.rowcount != 1:  # type: ignore[attr-defined]  # someone recorded it at the same moment
        return Published(submission, 0.0, True)
    ledger.refresh(session, draft.id)
    stats.recount(session, submission.id, zone)
    total, added, moved = _points_after(session, draft.id, rules, before)
    # The first publication, from whichever state it had; a concurrent first 刊发 elsewhere is just as good.
    if draft.state != S.published:
        compare_and_set(session, draft, (S.approved, S.submitted), state=S.published, state_since=now,
                        updated_at=now)
    event = audit.record(session, now, member.userid, "publish", draft_id=draft.id, to_state=S.published,
                         version=submission.version,
                         comment=f"{outlet.name} {day:%Y-%m-%d}刊发 {where_seen(submission)}")
    _feedback(session, draft, submission, _points_line(total, added, rules.highest_only, moved), now, zone, event)
    return Published(submission, added, False, total=total, moved=moved)


def _correct(session: Session, draft: Draft, outlet: Outlet, submission: Submission, member: Member,
             proof: Proof, on: date | None, now: datetime, zone: ZoneInfo) -> Published:
    """刊发 of a recorded publication: a new link or page replaces a wrong one (or adds the one not known before),
    头版 learnt later is added (with its points), a date given corrects the day; what is not given stays — a
    plain repeat changes nothing and never takes 头版 away; only another page can (第1版 corrected to 第11版)."""
    if proof.url is not None and submission.link_key == link_key(proof.url):  # http://, a trailing /, a #fragment:
        proof = replace(proof, url=None)  # the same article's link, no correction (the link first recorded stays)
    changes = [f"{name}{'改为' if recorded else '补记'} {given}" for name, given, recorded in (
        ("链接", proof.url, submission.url), ("版面", proof.page, submission.page)) if given not in (None, recorded)]
    new_page = proof.page not in (None, submission.page)
    if not new_page and submission.page is not None and proof.front_page:  # 第3版 recorded, 「链接 头版」 later
        Proof(page=submission.page, front_page=True).checked()  # as 「第3版 头版」 in one message: refused
    front = proof.front_page if new_page else bool(submission.front_page) or proof.front_page
    if front != submission.front_page:
        changes.append("改为头版" if front else "不再按头版计")
    earlier = submission.published_on
    if on is not None and on != earlier:
        changes.append(f"刊发日期改为 {on:%Y-%m-%d}")
    if not changes:
        return Published(submission, 0.0, True)
    rules = rewards.current(session)
    before = rewards.draft_quarters(session, draft.id, rules)
    if proof.url is not None:
        submission.url, submission.link_key = proof.url, link_key(proof.url)
    submission.page = proof.page or submission.page
    if front != submission.front_page:  # the points of its day, with or without that day's 头版 multiplier
        multiplier = submission.front_page_multiplier
        if multiplier is None:
            multiplier = rules.front_page_multiplier
        if front:
            submission.points *= multiplier
        else:
            submission.points = submission.points / multiplier if multiplier else rules.points(outlet.level, False)
        submission.front_page = front
    if on is not None:
        submission.published_on = on
    session.flush()
    ledger.refresh(session, draft.id)
    if on is not None and on != earlier:
        stats.recount(session, submission.id, zone, also=earlier)
    total, added, moved = _points_after(session, draft.id, rules, before)
    event = audit.record(session, now, member.userid, "publish.correct", draft_id=draft.id,
                         comment=f"{outlet.name}：{'，'.join(changes)}")
    points = _points_line(total, added, rules.highest_only, moved) if added or moved else f"{total:g} 分（不变）"
    what = "，".join(change for change in changes if not change.startswith("链接"))  # the link is shown anyway
    posted = _posts_today(session, submission, now, zone) < FEEDBACK_POSTS_A_DAY
    if posted:
        _feedback(session, draft, submission, points, now, zone, event, corrected=what or "链接已更正")
    return Published(submission, added, True, corrected="，".join(changes), posted=posted, moved=moved)


def _check_day(draft: Draft, on: date, now: datetime, zone: ZoneInfo) -> None:
    today, submitted = now.astimezone(zone).date(), draft.created_at.astimezone(zone).date()
    if on > today:
        raise UsageError(f"刊发日期 {on:%Y-%m-%d} 还没到。请写实际刊发的日期，当天刊发的不用写日期。")
    if on < submitted:
        raise UsageError(f"刊发日期 {on:%Y-%m-%d} 早于稿件 {draft.number} 的投稿日期 {submitted:%Y-%m-%d}，请检查。")


def not_used(session: Session, draft_id: int, member: Member, outlet_word: str,
             now: datetime) -> tuple[Submission, bool]:
    """不采用: the outlet did not use the draft; True beside it when that was recorded already."""
    draft = get(session, draft_id, lock=True)  # as 刊发: never written over a publication recorded meanwhile
    _require_may_see(draft, member, "登记不采用")
    outlet = outlets.find(session, outlet_word, include_retired=True)
    submission = session.scalar(select(Submission).where(Submission.draft_id == draft.id,
                                                         Submission.outlet_id == outlet.id))
    if submission is None:
        sent = "、".join(s.outlet.name for s in submissions(session, draft))
        raise Refused(f"稿件 {draft.number} 没有投递给{outlet.name}，「不采用」只登记投递过的媒体"
                      f"（{f'已投递：{sent}' if sent else '它还没有投递'}）。", draft.id)
    if submission.state == SubmissionState.published:
        raise Refused(f"{outlet.name}已刊发稿件 {draft.number}，不能登记为不采用。", draft.id)
    if submission.state == SubmissionState.not_used:
        return submission, True
    submission.state = SubmissionState.not_used
    audit.record(session, now, member.userid, "not_used", draft_id=draft.id, comment=outlet.name)
    return submission, False


@dataclass(frozen=True)
class Revoked:
    outlet: Outlet
    lost_points: float
    unsent: bool  # our e-mail to the outlet never left (刊发 came first, or it failed): 投递 may send it now
    moved: str = ""  # how the draft's points moved between quarters (rewards.moved_between_quarters)


def revoke(session: Session, draft_id: int, member: Member, outlet_word: str, reason: str, now: datetime,
           zone: ZoneInfo) -> Revoked:
    """撤销刊发 (admins): a publication recorded by mistake (the wrong outlet or draft, a link to someone else's
    article) or taken down by the outlet (撤稿) is taken back with its points, and the group is told. The audit
    log keeps what was recorded."""
    draft = get(session, draft_id, lock=True)  # as 刊发 and 投递: the draft's publications change together
    outlet = outlets.find(session, outlet_word, include_retired=True)
    submission = session.scalar(select(Submission).where(Submission.draft_id == draft.id,
                                                         Submission.outlet_id == outlet.id))
    if submission is None or submission.state != SubmissionState.published:
        raise UsageError(f"稿件 {draft.number} 在{outlet.name}没有登记刊发，无需撤销。"
                         f"发送「稿件 {draft.number}」查看已登记的刊发。")
    rules = rewards.current(session)
    before = rewards.draft_quarters(session, draft.id, rules)
    day, seen = submission.published_on, where_seen(submission)
    submission.state, submission.url, submission.link_key, submission.page = SubmissionState.sent, None, None, None
    submission.published_on = None
    submission.front_page, submission.points = False, 0.0
    session.flush()
    ledger.refresh(session, draft.id)
    stats.recount(session, submission.id, zone, also=day)
    unsent = submission.sent_at is None and submission.message_id != ""
    if unsent:  # a 投递 of ours whose e-mail never left: it may be sent again, by whoever sends the draft
        submission.state = SubmissionState.failed
        outbox.notify(session, editor_or_admins(session, draft),
                      f"稿件 {draft.number}《{draft.title}》在{outlet.name}的刊发登记已撤销，给{outlet.name}的投稿邮件"
                      f"还没有发出；需要投递时请发送「投递 {draft.number} {outlet.name}」。",
                      f"revoked:{submission.id}:{now.isoformat()}", now)
    elif submission.sent_at is None:  # recorded by 刊发 alone (no e-mail of ours): nothing is left of it
        session.delete(submission)
    session.flush()
    after, added, moved = _points_after(session, draft.id, rules, before)
    left = set(session.scalars(select(Submission.state).where(Submission.draft_id == draft.id)))
    if SubmissionState.published not in left:  # its only publication: back to waiting for one
        compare_and_set(session, draft, (S.published,), state=S.submitted if left else S.approved,
                        state_since=now, updated_at=now)
    event = audit.record(session, now, member.userid, "publish.revoke", draft_id=draft.id, from_state=S.published,
                         to_state=draft.state, comment=f"{outlet.name} {seen}：{reason}")
    plain, lost = markdown_plain, -added
    change = f"（按刊发日期调整：{moved}）" if moved else f"（扣除 {lost:g} 分）" if lost else ""
    _to_group(session, [f"**用稿反馈（更正）**：{draft.number}《{plain(draft.title)}》在{plain(outlet.name)}的刊发"
                        "登记已撤销",
                        f"> 原因：{plain(reason)}",
                        f"> 积分：本稿现为 {after:g} 分{change}"],
              f"published:{draft.id}:{outlet.id}:{audit.step_id(session, event)}", now)
    return Revoked(outlet, lost, unsent, moved)


def _require_new_link(session: Session, url: str, draft: Draft, outlet: Outlet) -> None:
    """One article, one publication: a link recorded for another outlet or draft would count its points twice."""
    # Taken before looking: two drafts given one link at the same moment each lock only their own draft.
    ledger.lock_totals(session)
    other = session.execute(
        select(Draft.id, Outlet.name).select_from(Submission).join(Submission.draft).join(Submission.outlet)
        .where(Submission.link_key == link_key(url), Submission.state == SubmissionState.published,
               ~((Submission.draft_id == draft.id) & (Submission.outlet_id == outlet.id))).limit(1)).first()
    if other is not None:
        raise Refused(f"这个链接已登记为稿件 #{other[0]} 在{other[1]}的刊发，同一篇文章只登记一次。请核对媒体和链接"
                      "（每家媒体的文章有自己的链接）；登记错了请管理员发送「撤销刊发 #编号 媒体 原因」。", draft.id)


def recordable(session: Session, member: Member, draft_id: int) -> Draft | None:
    """The draft, when the member may record its publication; else None (nor is its title shown them)."""
    draft = session.get(Draft, draft_id)
    return draft if draft is not None and may_see(member, draft) and publishable(draft) else None


@dataclass(frozen=True)
class Placement:
    """Where a bare link may belong: the drafts it could be a publication of, and the outlets to name."""

    url: str
    named: bool  # the message named the draft(s), by number or title
    drafts: list[tuple[Draft, list[Outlet]]]  # each with the outlets it was e-mailed to and not published by
    outlets: list[Outlet]  # the outlets the message names
    more: bool  # there are more drafts than listed


def place_link(session: Session, member: Member, text: str) -> Placement:
    """A link sent without 刊发: nothing is fetched or recorded. The drafts it may be a publication of are
    the one whose number or title the message gives, else the member's approved drafts still waiting for a
    publication (every one for approvers and admins, as 刊发 allows them)."""
    found = URL.search(text)
    if found is None:
        raise UsageError("没有找到链接。登记刊发请发送：刊发 #编号 媒体名称 链接")
    url = check_url(found.group())
    hint = _plain(to_half_width(text[:found.start()] + text[found.end():]))
    query = (select(Draft).where(PUBLISHABLE)
             .order_by(Draft.id.desc()).limit(_LINK_CANDIDATES))
    if not (member.may(Role.admin) or Role.approver in member.roles):
        query = query.where(or_(Draft.author_id == member.id, Draft.editor_id == member.id))
    recent = list(session.scalars(query))
    number = QUOTED_NUMBER.search(hint)  # a #number names the draft; else its title may
    named = ([d for d in recent if d.id == int(number.group(1))] if number
             else [d for d in recent if _titled(hint, _plain(d.title))])
    drafts = named or [d for d in recent if d.state != S.published]
    return Placement(url, bool(named), [(d, _waiting_outlets(session, d)) for d in drafts[:_LISTED]],
                     [o for o in outlets.everything(session) if o.name in hint], len(drafts) > _LISTED)


def _titled(hint: str, title: str) -> bool:
    """Whether the rest of a message gives this title (or, being long enough, a part of it)."""
    return bool(hint) and (title in hint or (len(hint) >= 4 and hint in title))


def _waiting_outlets(session: Session, draft: Draft) -> list[Outlet]:
    """The outlets a draft was e-mailed to that have not published it (yet)."""
    return list(session.scalars(select(Outlet).join(Submission, Submission.outlet_id == Outlet.id).where(
        Submission.draft_id == draft.id,
        Submission.state.in_((SubmissionState.queued, SubmissionState.sending, SubmissionState.sent,
                              SubmissionState.unsure)))
        .order_by(Outlet.id)))


def _plain(text: str) -> str:
    """Text without blanks and the quotes around titles, for matching a title inside a message."""
    return _NOT_IN_TITLES.sub("", text)


def _points_after(session: Session, draft_id: int, rules: RewardRules,
                  before: dict[tuple[int, int], float]) -> tuple[float, float, str]:
    """After a change to the draft's publications: its points, what the change added, how it moved them between
    quarters (「本次不加分」 may move 3 points into last year's ranking)."""
    after = rewards.draft_quarters(session, draft_id, rules)
    total = sum(after.values())
    return total, total - sum(before.values()), rewards.moved_between_quarters(before, after)


def _points_line(total: float, added: float, highest_only: bool, moved: str = "") -> str:
    """The draft's points as the group should read them: what this publication added, under the policy, and how
    its points moved between quarters (a quarter's ranking changed although the total did not)."""
    if added == total and not moved:  # the first publication that counts
        return f"{total:g} 分"
    rule = "，多方采用按最高计" if highest_only else ""
    change = f"按刊发日期调整：{moved}" if moved else f"本次 {added:+g} 分" if added else "本次不加分"
    return f"本稿累计 {total:g} 分（{change}{rule}）"


def _feedback(session: Session, draft: Draft, submission: Submission, points: str, now: datetime, zone: ZoneInfo,
              event: AuditEvent, corrected: str = "") -> None:
    """用稿反馈 to the group, once per recording (`event`); a correction posts the publication once more, saying
    what was `corrected`. A publication of an earlier day says its day, with a link too. It names the draft's
    number: a member quoting the post names the draft."""
    author, outlet, url = draft.author, submission.outlet, submission.url
    day = submission.published_on
    late = day is not None and day < now.astimezone(zone).date()
    plain = markdown_plain  # members' words make no links in the bot's post
    lines = [f"**用稿反馈{'（更正）' if corrected else ''}**：{draft.number}《{plain(draft.title)}》",
             f"> 媒体：{plain(outlet.name)}（{Level(outlet.level).label}{'，头版' if submission.front_page else ''}）",
             f"> 作者：{plain(author.name)}（{plain(author.department or '未填部门')}）",
             f"> 积分：{points}",
             *([f"> 更正：{plain(corrected)}"] if corrected else []),
             *([f"> {'栏目' if submission.page.startswith('《') else '版面'}：{submission.published_on:%Y-%m-%d} "
                f"{plain(submission.page)}"] if submission.page else []),
             *([f"> 刊发日期：{day:%Y-%m-%d}"] if late and not submission.page else []),
             *([f"> 链接：[{plain(url)}]({href(url)})"] if url else [])]
    if url and len("\n".join(lines).encode()) > outbox.GROUP_LIMIT:  # a long link, written once: one message
        lines[-1] = f"> 链接：[打开原文]({href(url)})"
    _to_group(session, lines, f"published:{draft.id}:{outlet.id}:{audit.step_id(session, event)}", now)


def _posts_today(session: Session, submission: Submission, now: datetime, zone: ZoneInfo) -> int:
    """How many times the 用稿反馈 of `submission` went to the group today (keys as `_feedback` makes them)."""
    midnight = datetime.combine(now.astimezone(zone).date(), time(), zone)
    key = f"published:{submission.draft_id}:{submission.outlet_id}:"
    return len(outbox.group_posts(session, [key], since=midnight))


def _to_group(session: Session, lines: list[str], dedupe_key: str, now: datetime) -> None:
    outbox.enqueue(session, channel=outbox.GROUP, recipient="",
                   payload={"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}},
                   dedupe_key=dedupe_key, now=now)


def _require_may_see(draft: Draft, member: Member, action: str) -> None:
    if not may_see(member, draft):
        raise Refused(f"只有稿件 {draft.number} 的作者、编辑、审核人或管理员可以{action}。", draft.id)
