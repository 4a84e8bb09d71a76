"""Members and roles: lookup, the NEWSBOT_ADMINS bootstrap, CSV import, role and department changes."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from sqlalchemy import ColumnElement, and_, bindparam, func, literal, select
from sqlalchemy.orm import Session

from bot.db import insert_if_new
from bot.domain import audit
from bot.domain.errors import NotFound, Refused, UsageError
from bot.text import USERID, one_line
from models import DepartmentEditor, Draft, DraftState, Member, Role
from models.base import table
from models.member import ROLE_LABELS

_ROLE_WORDS = {role.value: role for role in Role} | {label: role for role, label in ROLE_LABELS.items()}
_ROLE_SEPARATORS = re.compile(r"[|,，、\s]+")
CSV_HEADER = ["userid", "name", "department", "roles"]
# Built once, as every message looks its sender up. NO KEY UPDATE (PostgreSQL): one message of a member at a
# time, yet rows that merely refer to the member (their drafts' totals, written by others' messages and the
# dispatcher) need not wait for it.
_SENDER = select(Member).where(Member.userid == bindparam("userid")).with_for_update(key_share=True)
_MEMBERS = table(Member)


def parse_roles(text: str) -> frozenset[Role]:
    """`editor|通讯员` → {editor, correspondent}, `无` → none; an unknown word is a UsageError naming it."""
    if text.strip() == "无":
        return frozenset()
    roles = set()
    for word in filter(None, _ROLE_SEPARATORS.split(text.strip())):
        role = _ROLE_WORDS.get(word.lower())
        if word == "无":
            raise UsageError("「无」表示去掉全部角色，只能单独写，例如：成员 角色 lisi 无")
        if role is None:
            raise UsageError(f"未知角色「{word}」。可用角色：{'、'.join(r.label for r in Role)}"
                             f"（也可写 {'、'.join(r.value for r in Role)}）。")
        roles.add(role)
    return frozenset(roles)


def get(session: Session, userid: str, *, lock: bool = False) -> Member | None:
    """The member; with `lock`, their row is held as a message of theirs holds it (for_message): what they do
    from the chat and from a file job takes turns (投稿's repeat check)."""
    if lock:
        return session.scalar(_SENDER, {"userid": userid}, execution_options={"populate_existing": True})
    return session.scalar(select(Member).where(Member.userid == userid))


def require(session: Session, userid: str) -> Member:
    member = get(session, userid)
    if member is None:
        raise NotFound(f"没有成员「{userid}」。")
    return member


def find(session: Session, word: str) -> Member:
    """The member a chat command names, by userid or by name (a name two members share needs the userid)."""
    member = get(session, word)
    if member is not None:
        return member
    named = list(session.scalars(select(Member).where(Member.name == word).order_by(Member.id).limit(2)))
    if len(named) > 1:
        raise UsageError(f"有不止一名成员叫「{word}」，请写账号，例如 {named[0].userid}。发送「成员」查看名单。")
    if not named:
        raise NotFound(f"没有成员「{word}」。请写账号或姓名，发送「成员」查看名单。")
    return named[0]


def for_message(session: Session, userid: str, admin_userids: frozenset[str], now: datetime) -> Member | None:
    """The sender as a member, row locked for this message; a NEWSBOT_ADMINS userid is an admin whenever they
    write (the configuration outranks the chat: removing them from it is how their admin role ends)."""
    member = session.scalar(_SENDER, {"userid": userid})
    if userid not in admin_userids or (member is not None and Role.admin in member.roles):
        return member
    if member is None:  # their first message: another sent beside it waits for this row, then finds it theirs
        member, _ = added(session, userid, userid, "", now)
        if Role.admin in member.roles:
            return member
    member.roles = member.roles | {Role.admin}
    audit.record(session, now, None, "member.bootstrap_admin", comment=userid)
    return member


def added(session: Session, userid: str, name: str, department: str, now: datetime) -> tuple[Member, bool]:
    """The member of `userid`, added (with no role) unless there: (the row, locked; whether this added it). One
    being added by another transaction at this moment (an admin's first message, an import, a sync) is waited
    for and found: no clash on the account."""
    new = insert_if_new(session, _MEMBERS, {"userid": userid, "name": name, "department": department, "roles": "",
                                            "active": True, "created_at": now}, "userid")
    member = session.scalar(_SENDER, {"userid": userid})
    assert member is not None  # inserted, or there: a member is never deleted
    return member, new


def role_refusal(session: Session, member: Member, roles: Iterable[Role], word: str) -> str:
    """「「投稿」需要通讯员角色…」: what a member without the role is told, wherever the command came from."""
    needed = "或".join(role.label for role in Role if role in roles)
    # An admin may do everything but approve (层层把关: the deputy director's step, never self-granted).
    ask = "审核由审核人（分管领导）负责。" if member.may(Role.admin) else f"如需开通请联系{admins_named(session)}。"
    return f"「{word}」需要{needed}角色，您当前的角色是：{member.role_labels}。{ask}"


def admins_named(session: Session) -> str:
    """「管理员（钱主任、孙科长）」: a newcomer does not know who the admins are."""
    names = "、".join(admin.name for admin in with_role(session, Role.admin)[:3])
    return f"管理员（{names}）" if names else "宣传办管理员"


def holds(role: Role) -> ColumnElement[bool]:
    """SQL: the member holds `role` itself (admins are not implied here). The plain substring test goes first:
    it rules out most rows without building the delimited string (on SQLite a third of 投稿's editor query)."""
    return and_(Member.role_names.contains(role.value),
                (literal("|") + Member.role_names + "|").contains(f"|{role.value}|"))


def is_editor(member: Member) -> bool:
    """An active member holding the editor role itself: who may be given drafts to edit."""
    return member.active and Role.editor in member.roles


def with_role(session: Session, role: Role) -> list[Member]:
    """Active members holding `role` itself (admins are not implied here), by id."""
    return list(session.scalars(select(Member).where(Member.active.is_(True), holds(role)).order_by(Member.id)))


def admin_userids(session: Session) -> list[str]:
    """Whom the office's notices go to: the active admins."""
    return [admin.userid for admin in with_role(session, Role.admin)]


def set_roles(session: Session, userid: str, roles: frozenset[Role], now: datetime,
              actor: str | None) -> tuple[Member, list[Draft]]:
    """Replace a member's roles (the last admin stays one); returns the member and the drafts they handed over."""
    member = require(session, userid)
    if Role.admin in member.roles and Role.admin not in roles and member.active and not session.scalar(
            select(func.count()).where(Member.active.is_(True), holds(Role.admin), Member.id != member.id)):
        raise Refused(f"{member.name} 是唯一的管理员，至少要保留一名管理员：请先给另一位成员加上管理员角色。")
    if actor == userid and Role.approver in roles - member.roles:  # 层层把关: approval is granted by another
        asked = " ".join(role.label for role in Role if role in roles)
        raise Refused("管理员不能为自己添加审核角色，本次角色未作修改。"
                      f"请由另一位管理员发送「成员 角色 {userid} {asked}」设置，或联系系统运维人员设置。")
    before = member.role_names
    was = now_acting(member)
    member.roles = roles
    audit.record(session, now, actor, "member.roles", comment=f"{userid}: {before or '-'} → "
                 f"{member.role_names or '-'}")
    return member, after_change(session, [(member, was)], now, actor)


def after_change(session: Session, changed: Iterable[tuple[Member, frozenset[Role]]], now: datetime,
                 actor: str | None) -> list[Draft]:
    """Once members' roles or presence changed (each given with the roles they acted in before: none while
    inactive), nothing waits on the wrong person: drafts returned to an author who left (or may write no more)
    go back to their editor, the drafts of those who stopped editing are handed over, a new approver gets the
    cards of drafts already waiting, and when an approver stopped the admins hear of drafts that nobody may
    approve any more (an approver stopped, or one became a pending draft's editor). Returns the drafts handed
    over."""
    from bot.domain import drafts, review  # both build their queries from this module at import

    session.flush()  # a member new in this change needs an id before a query names them
    changed = list(changed)
    for member, _ in changed:  # first: a draft that comes back to an editor who also left is then handed over
        if not review.may_revise(member):
            review.back_to_editor(session, member, now, actor)
    handed_over = [draft for member, _ in changed for draft in drafts.hand_over(session, member, now, actor)]
    for member, was in changed:
        if Role.approver in now_acting(member) - was:
            review.ask_new_approver(session, member, now)
    # A pending draft's new editor may be its only approver, who as its editor no longer approves it.
    if (any(Role.approver in was - now_acting(member) for member, was in changed)
            or any(draft.state == DraftState.pending for draft in handed_over)):
        review.tell_admins_without_approver(session, now)
    return handed_over


def now_acting(member: Member) -> frozenset[Role]:
    """The roles a member acts in: their own while active, none once they left."""
    return member.roles if member.active else frozenset()


def set_department(session: Session, member: Member, department: str, now: datetime, actor: str | None) -> Member:
    department = department.strip()
    if not department or len(department) > 64 or any(c.isspace() for c in department):
        raise UsageError("部门名称不能为空、不能有空格，最多 64 个字。例如：成员 部门 zhangsan 办公室")
    before, member.department = member.department, department
    audit.record(session, now, actor, "member.department", comment=f"{member.userid}: {before or '-'} → {department}")
    return member


def set_department_editor(session: Session, department: str, editor: Member | None, now: datetime,
                          actor: str | None) -> None:
    """Give a department its own editor (传帮带), or with None go back to the least-loaded editor."""
    own = session.get(DepartmentEditor, department)
    if own is None and not session.scalar(select(Member.id).where(Member.department == department).limit(1)):
        raise NotFound(f"没有部门「{department}」的成员。发送「成员」查看各部门。")
    if editor is not None and not is_editor(editor):
        roles = "、".join(role.label for role in Role if role in editor.roles or role is Role.editor)
        raise Refused(f"{editor.name} 不是在职的编辑，不能做部门编辑。"
                      f"先发送「成员 角色 {editor.userid} {roles}」加上编辑角色。")
    if editor is None:
        if own is not None:
            session.delete(own)
    elif own is None:
        session.add(DepartmentEditor(department=department, editor_id=editor.id))
    else:
        own.editor_id = editor.id
    audit.record(session, now, actor, "member.department_editor",
                 comment=f"{department}: {editor.userid if editor else '-'}")


def department_editors(session: Session) -> dict[str, Member]:
    """Each department's own editor, where one is set."""
    rows = session.execute(select(DepartmentEditor.department, Member).join(Member,
                                                                           Member.id == DepartmentEditor.editor_id))
    return {department: editor for department, editor in rows}


def follow_renamed(session: Session, names: set[str], was_in: dict[str, str], people: Iterable[Member],
                   now: datetime, actor: str | None = None) -> list[tuple[str, str]]:
    """A department's own editor (stored by name) follows a rename (`members sync`, `members import`): the old
    name is gone (`names`: the departments there are now) and all its members (`was_in`: each active member's
    department before) are now in one department, new in this change. Else its drafts would silently go to the
    least-loaded editor. A department that still exists only lost members (a transfer): nothing follows."""
    own = {row.department: row for row in session.scalars(select(DepartmentEditor))}
    renamed = []
    for old, row in own.items():
        if old in names:
            continue
        now_in = {m.department for m in people if m.active and was_in.get(m.userid) == old}
        if len(now_in) != 1 or (new := now_in.pop()) in own or not new or new in was_in.values():
            continue  # a merge into a department that was there already gives it no editor
        row.department = new
        audit.record(session, now, actor, "member.department_editor", comment=f"{old} → {new}（部门改名）")
        renamed.append((old, new))
    return renamed


def owing_departments(people: Iterable[Member]) -> set[str]:
    """The departments of active members that owe a correspondent and drafts (宣传无死角): all but the bureau's
    leaders' (领导小组, 分管副局长审核), where someone approves and everyone approves or leads as an admin, none
    writing as a correspondent. An admin alone is office staff, whose department owes like any other."""
    by_department: dict[str, list[Member]] = {}
    for member in people:
        if member.active and member.department:
            by_department.setdefault(member.department, []).append(member)
    return {department for department, staff in by_department.items() if not (
        any(Role.approver in m.roles for m in staff)
        and all(m.roles & {Role.approver, Role.admin} and Role.correspondent not in m.roles for m in staff))}


def departments_without(people: Iterable[Member], role: Role) -> list[str]:
    """Departments owing drafts (`owing_departments`) where nobody active holds `role` (每个部门均推荐一名通讯员)."""
    people = list(people)
    return sorted(owing_departments(people) - {m.department for m in people if m.active and role in m.roles})


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int  # rows as the members already were
    handed_over: int  # drafts of editors who are editors no more
    changes: list[str]  # what it changed of members there before: 「李四（lisi）：角色 通讯员、编辑 → 编辑」
    renamed: list[tuple[str, str]]  # departments renamed in the file whose own editor followed the new name


def import_csv(session: Session, source: TextIO, now: datetime, actor: str | None = None) -> ImportResult:
    """Create or update members from `userid,name,department,roles`; any bad row changes nothing."""
    reader = csv.reader(source)
    header = [cell.strip().lstrip("\ufeff") for cell in next(reader, [])]
    if header != CSV_HEADER:
        raise UsageError(f"CSV 第 1 行应为表头：{','.join(CSV_HEADER)}（实际：{','.join(header) or '空'}）")
    rows, errors = _read_rows(enumerate(reader, start=2))
    known = {userid.casefold(): userid for userid in session.scalars(select(Member.userid))}
    errors += [f"userid「{userid}」与已有成员「{known[userid.casefold()]}」只差大小写（企业微信的账号不区分大小写）"
               for userid, *_ in rows if known.get(userid.casefold(), userid) != userid]
    if errors:
        raise UsageError("导入失败，未做任何修改：\n" + "\n".join(errors))
    had_admins = bool(admin_userids(session))
    everyone = {m.userid: m for m in session.scalars(select(Member))}
    was_in = {m.userid: m.department for m in everyone.values() if m.active}
    created = updated = 0
    changed: list[tuple[Member, frozenset[Role]]] = []  # with the roles they acted in before
    changes: list[str] = []
    for userid, name, department, roles in rows:
        member = everyone.get(userid)
        if member is None:
            member, new = added(session, userid, name, department, now)
            everyone[userid], created = member, created + new
        elif (member.name, member.department, member.roles, member.active) != (name, department, roles, True):
            updated += 1
            changes.append(_change(member, name, department, roles))
        was = now_acting(member)  # none for a new member
        member.name, member.department, member.roles, member.active = name, department, roles, True
        if was != roles:
            changed.append((member, was))
    session.flush()
    if had_admins and not admin_userids(session):
        raise UsageError("导入失败，未做任何修改：导入后将没有管理员。请在 CSV 中至少为一位成员保留 admin 角色"
                         "（例如 zhangsan,张三,办公室,admin|correspondent）。")
    # After every row: no draft goes to an editor whose own row takes the role away further down.
    handed_over = len(after_change(session, changed, now, actor))
    # A department renamed in the file keeps its own editor, as at `members sync`.
    renamed = follow_renamed(session, {m.department for m in everyone.values() if m.active}, was_in,
                             everyone.values(), now, actor)
    audit.record(session, now, actor, "member.import", comment=f"created {created}, updated {updated}")
    return ImportResult(created, updated, len(rows) - created - updated, handed_over, changes, renamed)


def _change(member: Member, name: str, department: str, roles: frozenset[Role]) -> str:
    """What an import changes of a member there before: re-importing an old file undoes changes made since (a
    role given in chat, a leaver marked by `members sync`), which the admin must see."""
    parts = [] if member.active else ["重新启用（此前已停用：离职或已不在企业微信通讯录）"]
    if member.name != name:
        parts.append(f"姓名 {member.name} → {name}")
    if member.department != department:
        parts.append(f"部门 {member.department or '未填'} → {department or '未填'}")
    if member.roles != roles:
        after = "、".join(role.label for role in Role if role in roles) or "无角色"
        parts.append(f"角色 {member.role_labels} → {after}")
    return f"{member.name}（{member.userid}）：{'；'.join(parts)}"


def _read_rows(numbered: Iterable[tuple[int, list[str]]]
               ) -> tuple[list[tuple[str, str, str, frozenset[Role]]], list[str]]:
    rows, errors, seen = [], [], set()
    for line, cells in numbered:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(CSV_HEADER):
            several = ("；多个角色用 | 分隔写在同一列，例如 编辑|通讯员（用逗号会多出列）"
                       if len(cells) > len(CSV_HEADER) else "")
            errors.append(f"第 {line} 行：应有 4 列（userid,name,department,roles），实际 {len(cells)} 列{several}")
            continue
        userid, name, department, role_text = (one_line(cell).strip() for cell in cells)
        if not userid or not name:
            errors.append(f"第 {line} 行：userid 和 name 不能为空")
            continue
        if not USERID.fullmatch(userid):  # WeCom would never send it: the member could not be recognised
            errors.append(f"第 {line} 行：userid「{userid}」不是企业微信账号的写法"
                          "（1 到 64 个字母、数字或 _-@. ，以字母或数字开头；见企业微信管理后台的“账号”）")
            continue
        if userid.casefold() in seen:
            errors.append(f"第 {line} 行：userid「{userid}」重复（企业微信的账号不区分大小写）")
            continue
        seen.add(userid.casefold())
        try:
            rows.append((userid, name, department, parse_roles(role_text)))
        except UsageError as error:
            errors.append(f"第 {line} 行：{error.message}")
    return rows, errors


def all_members(session: Session) -> list[Member]:
    return list(session.scalars(select(Member).order_by(Member.department, Member.id)))


def names(session: Session, userids: Iterable[str]) -> dict[str, str]:
    """userid → display name for the members among `userids`."""
    wanted = set(userids)
    if not wanted:
        return {}
    return dict(session.execute(select(Member.userid, Member.name).where(Member.userid.in_(wanted))).all())
