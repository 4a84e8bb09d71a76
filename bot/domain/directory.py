"""Directory sync: members from WeCom's department/list and user/list; roles are never touched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import audit
from models import Member

ACTIVE = 1  # user/list status: 1 active, 2 disabled, 4 not yet activated, 5 left


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    deactivated: int


def sync(session: Session, departments: Sequence[dict[str, Any]], users: Sequence[dict[str, Any]],
         now: datetime) -> SyncResult:
    """Upsert every listed user; members no longer listed (or disabled) are deactivated, never deleted."""
    department_names = {int(d["id"]): str(d.get("name", "")) for d in departments}
    existing = {m.userid: m for m in session.scalars(select(Member))}
    created = updated = 0
    listed = set()
    for user in users:
        userid = str(user.get("userid", "")).strip()
        if not userid or len(userid) > 64:
            continue
        listed.add(userid)
        main = user.get("main_department") or next(iter(user.get("department") or []), None)
        member = existing.get(userid)
        if member is None:
            member = Member(userid=userid, role_names="", created_at=now)
            session.add(member)
            created += 1
        else:
            updated += 1
        member.name = str(user.get("name") or userid)[:64]
        member.department = department_names.get(int(main), "")[:64] if main is not None else ""
        member.active = user.get("status", ACTIVE) == ACTIVE
    deactivated = 0
    for userid, member in existing.items():
        if userid not in listed and member.active:
            member.active = False
            deactivated += 1
    audit.record(session, now, None, "member.sync",
                 comment=f"created {created}, updated {updated}, deactivated {deactivated}")
    return SyncResult(created, updated, deactivated)
