"""Directory sync: members from WeCom's department/list and user/list; roles are never given, and are taken only
from a member who had left and is listed again (perhaps someone new under the old userid)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import audit, members
from bot.domain.errors import UsageError
from bot.text import one_line
from models import Member, Role

ACTIVE = 1  # user/list status: 1 active, 2 disabled, 4 not yet activated, 5 left


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    unchanged: int
    deactivated: int
    handed_over: int  # drafts of editors who left
    renamed: list[tuple[str, str]]  # departments renamed in WeCom whose own editor followed the new name
    newcomers: list[Member]  # created now, with no role yet: the admins give them one
    # Members who had left, listed again: back with no role (WeCom may give a departed member's userid to someone
    # new), each with the roles they had, for an admin to give again to the same person.
    returned: list[tuple[Member, frozenset[Role]]] = field(default_factory=list)


def top_departments(departments: Sequence[dict[str, Any]]) -> list[int]:
    """The visible departments whose parent is not visible: listing their users (with children) covers all."""
    visible = {int(d["id"]) for d in departments}
    return sorted(int(d["id"]) for d in departments if int(d.get("parentid") or 0) not in visible)


def sync(session: Session, departments: Sequence[dict[str, Any]], users: Sequence[dict[str, Any]],
         now: datetime, force: bool = False) -> SyncResult:
    """Upsert every listed user; members no longer listed (or disabled) are deactivated, never deleted.

    An empty list, or one that would deactivate more than half of the active members, changes nothing
    unless `force`: that is a narrowed visible range far more often than a mass departure."""
    if not users:
        raise UsageError("企业微信返回的成员列表为空，未做任何修改。请检查应用的可见范围。")
    department_names = {int(d["id"]): str(d.get("name", "")) for d in departments}
    existing = {m.userid: m for m in session.scalars(select(Member))}
    was_in = {m.userid: m.department for m in existing.values() if m.active}  # the active members, before
    listed_ids = {str(u.get("userid", "")).strip() for u in users}
    leaving = [userid for userid in was_in if userid not in listed_ids]
    if not force and len(leaving) * 2 > len(was_in):
        raise UsageError(f"这次同步会停用 {len(leaving)}/{len(was_in)} 名成员，未做任何修改。"
                         "请先检查应用的可见范围；确认无误再加 --force。")
    created = updated = unchanged = 0
    newcomers: list[Member] = []
    returned: list[tuple[Member, frozenset[Role]]] = []
    listed: set[str] = set()
    for user in users:
        userid = str(user.get("userid", "")).strip()
        if not userid or len(userid) > 64 or userid in listed:
            continue
        listed.add(userid)
        main = user.get("main_department") or next(iter(user.get("department") or []), None)
        member = existing.get(userid)
        known = member is not None
        if member is None:
            member, new = members.added(session, userid, userid, "", now)
            existing[userid] = member
            if new:
                newcomers.append(member)
                created += 1
        before = (member.name, member.department, member.active)
        member.name = one_line(str(user.get("name") or userid))[:64]
        member.department = one_line(department_names.get(int(main), ""))[:64] if main is not None else ""
        member.active = user.get("status", ACTIVE) == ACTIVE
        if known and member.active and not before[2]:  # had left: not known to be the same person
            returned.append((member, member.roles))
            member.roles = frozenset()
        if known and (member.name, member.department, member.active) == before:
            unchanged += 1
        elif known:
            updated += 1
    deactivated = 0
    for userid, member in existing.items():
        if userid not in listed and member.active:
            member.active = False
            deactivated += 1
    # Only now that everyone who left is inactive: no draft goes to someone leaving in the same sync.
    changed = [(member, member.roles if member.userid in was_in else frozenset())
               for member in existing.values() if (member.userid in was_in) != member.active]
    handed_over = len(members.after_change(session, changed, now, None))
    renamed = members.follow_renamed(session, {one_line(name)[:64] for name in department_names.values()}, was_in,
                                     existing.values(), now)
    audit.record(session, now, None, "member.sync",
                 comment=f"created {created}, updated {updated}, deactivated {deactivated}"
                 + "".join(f"; {m.userid} back, roles {'|'.join(r.value for r in roles) or '-'} → -"
                           for m, roles in returned))
    return SyncResult(created, updated, unchanged, deactivated, handed_over, renamed,
                      [m for m in newcomers if m.active], returned)
