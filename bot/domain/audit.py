"""Append-only audit events: written in the caller's transaction, never updated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditEvent

# What the steps of a draft's life are called in chat and on the approval form.
ACTION_LABELS = {
    "submit": "投稿",
    "append": "续稿",
    "revise": "修改",
    "send": "送审",
    "approve": "批准",
    "return": "退回",
    "withdraw": "撤回",
    "retitle": "改标题",
    "file.attach": "补发文件",  # the Word file kept with a typed draft: its photos go to the outlets
    "submit_outlets": "投递",
    "publish": "刊发",
    "publish.correct": "更正刊发记录",
    "publish.revoke": "撤销刊发",
    "not_used": "不采用",
    "topic": "设专题",
    "hand_over": "转交编辑",
    "back_to_editor": "作者不能再修改，转回编辑",
    "mail.failed": "投递失败",
}


def record(session: Session, at: datetime, actor: str | None, action: str, *, draft_id: int | None = None,
           from_state: str | None = None, to_state: str | None = None, version: int | None = None,
           comment: str | None = None) -> AuditEvent:
    event = AuditEvent(at=at, actor=actor, action=action, draft_id=draft_id, from_state=from_state,
                       to_state=to_state, version=version, comment=comment)
    session.add(event)
    return event


def step_id(session: Session, event: AuditEvent) -> int:
    """The event's id, written now: it keys the notices of this one step, so that a step taken again at the
    same version (送审 after a draft came back unchanged, a second 退回) is told again, not taken for a repeat."""
    session.flush()
    return event.id


def steps(session: Session, since: datetime, until: datetime) -> dict[tuple[str, str | None], int]:
    """How many events of each (action, from_state) in [since, until): the review's work (层层把关) in figures."""
    rows = session.execute(select(AuditEvent.action, AuditEvent.from_state, func.count())
                           .where(AuditEvent.at >= since, AuditEvent.at < until)
                           .group_by(AuditEvent.action, AuditEvent.from_state))
    return {(action, from_state): count for action, from_state, count in rows}


def recent_for_draft(session: Session, draft_id: int, limit: int = 5) -> list[AuditEvent]:
    """The newest `limit` events of a draft, oldest first; refusals are not part of its history."""
    rows = session.scalars(select(AuditEvent).where(AuditEvent.draft_id == draft_id,
                                                    AuditEvent.action.not_like("refused:%"))
                           .order_by(AuditEvent.id.desc()).limit(limit))
    return list(reversed(rows.all()))
