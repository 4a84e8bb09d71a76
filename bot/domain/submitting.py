"""投递: an approved draft goes out to the outlets, one e-mail each in the outlet's format (一稿多投), and what
becomes of each e-mail (sending, sent, failed: the editor is told, and never a second copy unasked)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr

from sqlalchemy import case, delete, func, literal, select, update
from sqlalchemy.orm import Session

from bot import outbox
from bot.domain import audit, outlets, photos
from bot.domain.drafts import (
    UNSENT,
    approved_version,
    compare_and_set,
    editor_named,
    editor_or_admins,
    get,
    may_edit,
)
from bot.domain.errors import NotFound, Refused, UsageError
from models import Draft, DraftState, Member, Outlet, Submission, SubmissionState

S = DraftState
SUBMITTABLE = (S.approved, S.submitted, S.published)
PUBLISHABLE = Draft.state.in_(SUBMITTABLE) & Draft.approved_hash.is_not(None)  # SQL of publishable
MAIL = "mail"  # the outbox channel of submissions; payload {"submission_id", "message_id"}


@dataclass
class Sent:
    queued: list[Outlet] = field(default_factory=list)
    refused: list[outlets.Check] = field(default_factory=list)
    already: list[Submission] = field(default_factory=list)
    waiting: list[Outlet] = field(default_factory=list)  # its e-mail is queued still (a server down): not sent
    unsure: list[Outlet] = field(default_factory=list)  # its e-mail may have arrived: sent only when named
    # An outlet whose mailbox has the draft already, under another outlet's name (one replacing a retired one).
    same_mailbox: list[tuple[Outlet, Submission]] = field(default_factory=list)
    moved: list[Submission] = field(default_factory=list)  # sent to the outlet's old mailbox: 全部 does not repeat it


def send_to_outlets(session: Session, draft_id: int, member: Member, words: list[str], sender: str,
                    now: datetime) -> Sent:
    """投递: check the approved version against each outlet's rules and queue one e-mail per passing outlet."""
    draft = get(session, draft_id, lock=True)  # before any write: 刊发 takes the same lock first too
    if not may_edit(draft, member):
        who = editor_named(draft)
        raise Refused(f"只有稿件 {draft.number} 的{who}或管理员可以投递。请把要投的媒体告诉{who}。", draft.id)
    if draft.state == S.withdrawn:
        raise Refused(f"稿件 {draft.number} 已撤回，不能投递。", draft.id)
    if not publishable(draft):
        raise Refused(f"稿件 {draft.number} 当前{S(draft.state).label}，批准后才能投递。", draft.id)
    if not words:
        raise UsageError(f"请写要投递的媒体，例如：投递 {draft.number} 韶关日报 南方网，或：投递 {draft.number} 全部")
    if "全部" in words and words != ["全部"]:
        raise UsageError(f"「全部」要单独写：投递 {draft.number} 全部；或只列媒体：投递 {draft.number} 韶关日报 南方网")
    targets = outlets.active(session) if words == ["全部"] else _named(session, draft, words)
    if not targets:
        raise UsageError("还没有启用的媒体。请管理员用「媒体 添加 名称 级别 邮箱」添加，"
                         "或用「媒体 修改 名称 启用=是」启用。")
    approved = approved_version(session, draft)
    has_photos = photos.any_in(session, draft.id)
    done = {s.outlet_id: s for s in session.scalars(select(Submission).where(Submission.draft_id == draft.id))}
    # A mailbox that has the draft, may have it, or gets it now, under any outlet's name: one copy each.
    mailboxes = {_mailbox(s): s for s in done.values() if s.state != SubmissionState.failed and _mailbox(s)}
    result = Sent()
    for outlet in dict.fromkeys(targets):
        earlier = done.get(outlet.id)
        moved = (earlier is not None and earlier.state == SubmissionState.sent and bool(outlet.mailbox)
                 and _mailbox(earlier) != outlet.mailbox.lower())
        if earlier is not None and earlier.state == SubmissionState.unsure and words == ["全部"]:
            result.unsure.append(outlet)  # a second copy only when the editor found it did not arrive
            continue
        if earlier is not None and moved and words == ["全部"]:
            result.moved.append(earlier)  # sent to its old mailbox: again only when the outlet is named
            continue
        if earlier is not None and earlier.state not in UNSENT and not moved:
            if earlier.state in (SubmissionState.queued, SubmissionState.sending):
                result.waiting.append(outlet)
            else:
                result.already.append(earlier)
            continue
        twin = mailboxes.get(outlet.mailbox.lower())
        if twin is not None and twin.outlet_id != outlet.id:
            result.same_mailbox.append((outlet, twin))
            continue
        verdict = outlets.check(outlet, draft, approved.text, has_photos)
        if not verdict.ok:
            result.refused.append(verdict)
            continue
        message_id = new_message_id(sender)
        if earlier is None:
            submission = Submission(draft_id=draft.id, outlet_id=outlet.id, version=approved.number,
                                    state=SubmissionState.queued, message_id=message_id, queued_at=now)
            session.add(submission)
            session.flush()
        else:  # a failed (or maybe failed) send tried again, or one sent to a mailbox the outlet no longer reads
            submission = earlier
            submission.state, submission.message_id, submission.queued_at = SubmissionState.queued, message_id, now
            submission.version = approved.number  # corrected (修改) and approved again since it failed
        outbox.enqueue(session, channel=MAIL, recipient=outlet.mailbox,  # one row per e-mail, as its Message-ID
                       payload={"submission_id": submission.id, "message_id": message_id},
                       dedupe_key=f"mail:{submission.id}:{message_id[:150]}", now=now)
        result.queued.append(outlet)
        mailboxes[outlet.mailbox.lower()] = submission
    if result.queued:
        if draft.state == S.approved and not compare_and_set(session, draft, (S.approved,), state=S.submitted,
                                                             state_since=now, updated_at=now):
            raise Refused(f"稿件 {draft.number} 刚被他人处理，请发送「稿件 {draft.number}」查看。", draft.id)
        audit.record(session, now, member.userid, "submit_outlets", draft_id=draft.id, from_state=S.approved,
                     to_state=draft.state, version=approved.number,
                     comment="、".join(o.name for o in result.queued))
    return result


def _mailbox(submission: Submission) -> str:
    """Where its e-mail went (a mistyped address put right since, or the outlet's new 投稿邮箱, differs: the
    outlet may never have had it); before revision 0037 unknown, taken as the outlet's mailbox of now."""
    return (submission.sent_to or submission.outlet.mailbox).lower()


def _named(session: Session, draft: Draft, words: list[str]) -> list[Outlet]:
    """The outlets named, all of them or none: a misspelt or retired one stops the 投递, saying what to send."""
    found, problems = [], []
    for word in words:
        try:
            found.append(outlets.find(session, word))
        except NotFound as error:
            problems.append(error.message)
    if problems:
        rest = " ".join(dict.fromkeys(o.name for o in found))
        raise UsageError("没有投递任何媒体。" + "".join(problems)
                         + (f"只投其余的请发送「投递 {draft.number} {rest}」。" if rest else ""))
    return found


def new_message_id(sender: str) -> str:
    """The Message-ID of a submission's e-mail, recorded with it (the sender may be 「宣传办 <xcb@…>」)."""
    return make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "newsbot.local")


def start_sending(session: Session, submission_id: int, message_id: str, now: datetime,
                  attempt: str) -> Submission | None:
    """The submission an e-mail is about to carry, marked `sending`; None when it must not go out: a later 投递
    took over, it was recorded already (刊发, 不采用), the outlet was retired meanwhile (the editor is told), or
    this e-mail's last attempt died inside SMTP (then the editor is asked to check with the outlet: never a
    second copy)."""
    submission = _locked(session, submission_id)
    if submission is None:
        return None
    if submission.message_id != message_id:
        if submission.state != SubmissionState.failed:
            return None
        # `outbox retry` of an e-mail whose later 投递 failed too: nothing is on its way, so this one goes.
        submission.message_id = message_id
    if submission.state == SubmissionState.sending:
        mail_failed(session, submission_id, "", now, attempt, maybe_sent=True)
        return None
    if submission.state not in (SubmissionState.queued, *UNSENT):  # failed, unsure: `outbox retry`
        return None
    draft = submission.draft
    if not publishable(draft) or (draft.approved_at is not None and submission.queued_at < draft.approved_at):
        return None  # withdrawn or corrected since, its approval void, or given again after this 投递
    outlet = submission.outlet
    if not outlet.active or not outlet.mailbox:  # retired (媒体 停用) or its mailbox cleared since 投递
        submission.state = SubmissionState.failed
        why = "管理员已停用该媒体" if not outlet.active else "该媒体的邮箱已被清空"
        audit.record(session, now, None, "mail.failed", draft_id=draft.id, comment=f"{outlet.name}：{why}，未发出")
        again = "" if not outlet.active else (f"管理员设置邮箱（「媒体 修改 {outlet.name} 邮箱=地址」）后，"
                                              f"请发送「投递 {draft.number} {outlet.name}」。")
        outbox.notify(session, editor_or_admins(session, draft),
                      f"稿件 {draft.number}《{draft.title}》没有投递{outlet.name}：{why}，邮件没有发出。{again}",
                      f"mail-retired:{submission.id}:{attempt}", now)
        return None
    # Committed before SMTP: a crash from here on is seen.
    submission.state, submission.sent_to = SubmissionState.sending, outlet.mailbox
    return submission


def _locked(session: Session, submission_id: int) -> Submission | None:
    """The submission, read once its draft is locked as 投递, 刊发 and 不采用 lock it: a draft's submissions change
    together, never one written over another's 刊发."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        return None
    get(session, submission.draft_id, lock=True)
    return session.get(Submission, submission_id, populate_existing=True)  # None: stopped meanwhile (修改, 撤回)


def not_sent(session: Session, submission_id: int) -> None:
    """SMTP refused or could not be reached before the message was handed over: queued again, for the
    outbox's retry or its dead letter's report."""
    session.execute(update(Submission).where(Submission.id == submission_id,
                                             Submission.state == SubmissionState.sending)
                    .values(state=SubmissionState.queued))


def mail_sent(session: Session, submission_id: int, message_id: str, now: datetime) -> None:
    """The outlet has the e-mail: sent is the truth even when 刊发 or 不采用 came meanwhile, or a slow send was
    given up for lost (failed)."""
    session.execute(update(Submission).where(Submission.id == submission_id,
                                             Submission.message_id == message_id).values(
        state=case((Submission.state.in_((SubmissionState.sending, *UNSENT)),
                    SubmissionState.sent), else_=Submission.state),
        # `now` typed as the column: a bare parameter would skip its UTC conversion, and PostgreSQL would
        # read it in the session's zone.
        sent_at=func.coalesce(Submission.sent_at, literal(now, Submission.sent_at.type))))


MAIL_LATE = timedelta(hours=1)


def mail_late(session: Session, submission_id: int, setting: bool, now: datetime) -> None:
    """E-mail not sent an hour after its 投递 (the mail server down, or a `setting` wrong, which the admins were
    told of): the editor hears once for the 投递, naming the outlets still waiting — not at the dead letter a day
    later: news is timely, and the outlets can be told another way meanwhile."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        return
    draft = submission.draft
    waiting = session.scalars(select(Outlet.name).join(Submission, Submission.outlet_id == Outlet.id).where(
        Submission.draft_id == draft.id, Submission.queued_at == submission.queued_at,
        Submission.state.in_((SubmissionState.queued, SubmissionState.sending))).order_by(Submission.id)).all()
    why = "邮件服务器设置有误，已通知管理员，改好后自动发出" if setting else "暂时连不上邮件服务器，会继续自动重试"
    outlets = "、".join(waiting) or submission.outlet.name
    outbox.notify(session, editor_or_admins(session, draft),
                  f"稿件 {draft.number}《{draft.title}》投递已一小时，发给{outlets}的邮件还没有发出（{why}）。"
                  "时效性强的稿件，可先用电话或微信告知媒体。",
                  f"mail-late:{draft.id}:{submission.queued_at.isoformat()}", now)


def mail_failed(session: Session, submission_id: int, error: str, now: datetime, attempt: str,
                maybe_sent: bool = False) -> bool:
    """An e-mail was given up (a dead letter), or its connection broke after the message was handed over
    (`maybe_sent`): mark the submission failed (unsure, when it may have arrived), so 投递 may send it again, and
    tell the editor which outlet and what to do. `attempt` names the attempt: each is reported once. True when
    the outlet may have it."""
    submission = _locked(session, submission_id)
    if submission is None or submission.state not in (SubmissionState.queued, SubmissionState.sending):
        return False
    # Still `sending` at its dead letter: the last attempt died inside SMTP (the claim after it found attempts
    # used up), so the outlet may have it, as when start_sending finds it so.
    maybe_sent = maybe_sent or submission.state == SubmissionState.sending
    submission.state = SubmissionState.unsure if maybe_sent else SubmissionState.failed
    if maybe_sent:  # handed to the outlet's server: sent, as far as 统计 and a later 撤销刊发 can tell
        submission.sent_at = submission.sent_at or now
    draft = submission.draft
    outlet, again = submission.outlet.name, f"「投递 {draft.number} {submission.outlet.name}」"
    text = (f"稿件 {draft.number}《{draft.title}》投递{outlet}时与邮件服务器的连接中断，邮件可能已经发出。"
            f"请先向{outlet}确认是否收到；没有收到再发送{again}重新投递。" if maybe_sent else
            f"稿件 {draft.number}《{draft.title}》投递{outlet}失败，邮件没有发出，管理员已收到原因。"
            f"问题解决后请发送{again}重新投递。")
    audit.record(session, now, None, "mail.failed", draft_id=draft.id,
                 comment=f"{outlet}：{'可能已发出' if maybe_sent else error[:200]}")
    outbox.notify(session, editor_or_admins(session, draft), text, f"mail-failed:{submission.id}:{attempt}", now)
    return maybe_sent


def mail_described(session: Session, submission_id: int, address: str) -> str:
    """A submission's e-mail in the admins' words: the draft and the outlet (whose mailbox they may have to fix)."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        return f"投稿邮件发往 {address}"
    draft, outlet = submission.draft, submission.outlet.name
    title = draft.title if len(draft.title) <= 24 else draft.title[:24] + "…"  # the notice shows 120 characters
    return (f"稿件 {draft.number}《{title}》投递{outlet}的邮件（发往 {address}；"
            f"邮箱有误请发送「媒体 修改 {outlet} 邮箱=地址」）")


def stop_unsent(session: Session, draft: Draft) -> None:
    """The e-mails still queued of a draft corrected or withdrawn before any left: never sent, so no record of
    them stays (their outbox rows find none, and send nothing); a 投递 after a new approval sends the new version."""
    session.execute(delete(Submission).where(Submission.draft_id == draft.id,
                                             Submission.state == SubmissionState.queued))


def publishable(draft: Draft) -> bool:
    """Approved, and its approval still standing: what may go to the outlets and be recorded as published."""
    return draft.state in SUBMITTABLE and draft.approved_hash is not None


def submissions(session: Session, draft: Draft) -> list[Submission]:
    """Where the draft went, outlet by outlet, in the order it was sent."""
    return list(session.scalars(select(Submission).where(Submission.draft_id == draft.id).order_by(Submission.id)))
