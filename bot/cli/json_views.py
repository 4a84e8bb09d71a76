"""Plain-data views of models for `--json` output (stable keys for scripts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot import outbox
from bot.domain import drafts
from bot.text import word_count
from models import Draft, Member, OutboxMessage, Outlet


def member_json(member: Member) -> dict[str, Any]:
    return {"userid": member.userid, "name": member.name, "department": member.department,
            "roles": sorted(role.value for role in member.roles), "active": member.active}


def draft_json(session: Session, draft: Draft, with_versions: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": draft.id, "title": draft.title, "state": draft.state,
        "author": draft.author.userid, "editor": draft.editor.userid if draft.editor else None,
        "current_version": draft.current_version, "created_at": draft.created_at.isoformat(),
        "state_since": draft.state_since.isoformat(),
    }
    if with_versions:
        data["versions"] = [
            {"number": v.number, "hash": v.hash, "author": v.author.userid, "created_at": v.created_at.isoformat(),
             "words": word_count(v.text), "text": v.text}
            for v in drafts.versions(session, draft)
        ]
    return data


def outlet_json(outlet: Outlet) -> dict[str, Any]:
    return {"name": outlet.name, "aliases": outlet.alias_list, "level": outlet.level, "mailbox": outlet.mailbox,
            "min_chars": outlet.min_chars, "max_chars": outlet.max_chars, "max_title_chars": outlet.max_title_chars,
            "photos_required": outlet.photos_required, "byline": outlet.byline, "attachment": outlet.attachment,
            "subject_template": outlet.subject_template, "purpose": outlet.purpose, "active": outlet.active}


def outbox_json(message: OutboxMessage) -> dict[str, Any]:
    return {"id": message.id, "channel": message.channel, "recipient": message.recipient,
            "state": message.state, "attempts": message.attempts, "dedupe_key": message.dedupe_key,
            "created_at": message.created_at.isoformat(),
            "sent_at": message.sent_at.isoformat() if message.sent_at else None,
            "last_error": message.last_error, "summary": outbox.describe(message), "payload": message.payload}
