"""Members: WeCom users with a name, a department and roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Role(StrEnum):
    correspondent = "correspondent"
    editor = "editor"
    approver = "approver"
    admin = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.correspondent: "通讯员",
    Role.editor: "编辑",
    Role.approver: "审核",
    Role.admin: "管理员",
}


class Member(Base):
    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    userid: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(64), default="")
    # A short '|'-joined list ("correspondent|editor"): a handful of roles, read with the member.
    role_names: Mapped[str] = mapped_column("roles", String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    @property
    def roles(self) -> frozenset[Role]:
        return _roles(self.role_names)

    @roles.setter
    def roles(self, roles: frozenset[Role] | set[Role]) -> None:
        self.role_names = "|".join(role.value for role in Role if role in roles)

    def may(self, role: Role) -> bool:
        """Whether the member acts in `role`. Admins may act in every role but approver: approval
        is the deputy director's stage of the review (quality.md: only approvers approve)."""
        return role in self.roles or (Role.admin in self.roles and role is not Role.approver)

    @property
    def role_labels(self) -> str:
        roles = self.roles
        return "、".join(role.label for role in Role if role in roles) or "无角色"


@lru_cache(maxsize=256)  # a handful of distinct values; 帮助 asks every command's route, each asking the roles
def _roles(role_names: str) -> frozenset[Role]:
    return frozenset(Role(name) for name in role_names.split("|") if name)


class DepartmentEditor(Base):
    """A department's own editor (传帮带: an experienced correspondent who looks after its drafts): the new drafts
    of the department's members go to them instead of the least-loaded editor."""

    __tablename__ = "department_editor"

    department: Mapped[str] = mapped_column(String(64), primary_key=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
