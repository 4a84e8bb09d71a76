"""Outlets as data: lookup by name or alias, admin changes, and the format rules each submission must pass."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from string import Formatter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.drafts import TEXT_MAX_CHARS, TITLE_MAX_CHARS
from bot.domain.errors import NotFound, UsageError
from bot.text import word_count
from models import Draft, Level, Member, Outlet, Submission, SubmissionState
from models.outlet import LEVEL_LABELS

_LEVEL_WORDS = {level.value: level for level in Level} | {label: level for level, label in LEVEL_LABELS.items()} | {
    "中央": Level.central, "中央级": Level.central, "国家级": Level.central, "省": Level.provincial,
    "省部级": Level.provincial, "市": Level.city, "地市级": Level.city, "县": Level.county, "县区级": Level.county,
    "本单位": Level.own}
EDITABLE = {
    "name": "名称", "aliases": "别名", "level": "级别", "mailbox": "邮箱", "min_chars": "最少字数",
    "max_chars": "最多字数", "max_title_chars": "标题字数", "photos_required": "需要配图", "byline": "署名",
    "attachment": "附件", "subject_template": "邮件标题", "purpose": "用途", "active": "启用",
}
_FIELD_WORDS = {label: field for field, label in EDITABLE.items()} | {field: field for field in EDITABLE}
NAME_SEPARATORS = "、，,"  # 投递 #12 韶关日报、南方网: besides blanks, what separates outlet names
_ALIAS_SEPARATORS = re.compile(r"[|,，、\s]+")
# One address, name@domain.tld: no second address, display name or line break can ride into the mail's To.
_MAILBOX = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def active(session: Session) -> list[Outlet]:
    return list(session.scalars(select(Outlet).where(Outlet.active.is_(True)).order_by(Outlet.id)))


def everything(session: Session) -> list[Outlet]:
    return list(session.scalars(select(Outlet).order_by(Outlet.id)))


def names_in(text: str) -> list[str]:
    """「韶关日报 南方网」「韶关日报、南方网。」: the outlet names a command lists, each once."""
    return list(dict.fromkeys(name for name in re.split(rf"[\s{NAME_SEPARATORS}。？?]+", text.strip()) if name))


def find(session: Session, word: str, include_retired: bool = False) -> Outlet:
    """The outlet called `word` (its name or an alias)."""
    outlets = everything(session)
    for outlet in outlets:
        if word in (outlet.name, *outlet.alias_list):
            if outlet.active or include_retired:
                return outlet
            raise NotFound(f"媒体「{outlet.name}」已停用。管理员可发送「媒体 修改 {outlet.name} 启用=是」重新启用。")
    names = "、".join(o.name for o in outlets if o.active)
    raise NotFound(f"没有媒体「{word}」。可用的媒体：{names}。发送「媒体」查看详情。")


def publications(session: Session, outlet: Outlet) -> int:
    """How many publications the outlet has recorded (figures read its level as it is now)."""
    return session.scalar(select(func.count()).select_from(Submission).where(
        Submission.outlet_id == outlet.id, Submission.state == SubmissionState.published)) or 0


def parse_level(word: str) -> Level:
    level = _LEVEL_WORDS.get(word.strip().lower())
    if level is None:
        raise UsageError(f"未知级别「{word}」。可用：central/中央、provincial/省、city/市、county/县、own/本单位。")
    return level


def add(session: Session, name: str, level: str, mailbox: str, now: datetime, actor: str | None) -> Outlet:
    name = name.strip()
    there = session.scalar(select(Outlet).where(Outlet.name == name)) if name else None
    if there is not None and not there.active:  # re-added after 媒体 停用: it stays retired until restored
        raise UsageError(f"媒体「{name}」已停用（它的投稿和刊发记录都在）。要重新启用请发送「媒体 修改 {name} 启用=是」"
                         f"，需要时在同一条里改邮箱、级别，例如「媒体 修改 {name} 启用=是 邮箱=tougao@example.com」。")
    if there is not None:
        raise UsageError(f"已经有媒体「{name}」。要修改请用「媒体 修改 {name} 字段=值」。")
    outlet = Outlet(name=name, aliases="", level=parse_level(level), mailbox=_mailbox(mailbox),
                    photos_required=False, byline="", attachment="docx", subject_template="{title}", purpose="",
                    active=True, created_at=now)
    _validate(session, outlet)
    session.add(outlet)
    audit.record(session, now, actor, "outlet.add", comment=name)
    return outlet


def edit(session: Session, outlet: Outlet, changes: dict[str, str], now: datetime, actor: str | None) -> Outlet:
    """Apply `字段=值` changes (Chinese or English field names), each validated."""
    for word, raw in changes.items():
        field = _FIELD_WORDS.get(word)
        if field is None:
            raise UsageError(f"不能修改「{word}」。可改的字段：{'、'.join(EDITABLE.values())}。")
        setattr(outlet, field, _value(field, raw.strip()))
    _validate(session, outlet)
    audit.record(session, now, actor, "outlet.edit", comment=f"{outlet.name}: {changes}")
    return outlet


def retire(session: Session, outlet: Outlet, now: datetime, actor: str | None) -> None:
    """Stop offering an outlet; its submissions and publications stay in the history."""
    if not outlet.active:
        raise UsageError(f"媒体「{outlet.name}」已经停用。要重新启用请发送「媒体 修改 {outlet.name} 启用=是」。")
    outlet.active = False
    audit.record(session, now, actor, "outlet.retire", comment=outlet.name)


# What each text field may hold (the table's columns; 用途 is shown in every 媒体 listing).
_MAX_CHARS = {"aliases": 200, "mailbox": 200, "byline": 100, "subject_template": 200, "purpose": 500}


def _value(field: str, raw: str) -> Any:
    most = _MAX_CHARS.get(field)
    if most is not None and len(raw) > most:
        raise UsageError(f"{EDITABLE[field]}最多 {most} 个字（现在 {len(raw)} 个），请写得简短些。")
    if field in ("min_chars", "max_chars", "max_title_chars"):
        if raw in ("", "不限"):
            return None
        most = TITLE_MAX_CHARS if field == "max_title_chars" else TEXT_MAX_CHARS  # what a draft can hold
        least = 0 if field == "min_chars" else 1  # a limit of 0 would be read as none: 「不限」 says that
        if not raw.isdecimal() or not least <= int(raw) <= most:
            raise UsageError(f"{EDITABLE[field]}应为 {least} 到 {most} 的数字（或「不限」），不是「{raw}」。")
        return int(raw) or None
    if field in ("photos_required", "active"):
        if raw not in ("是", "否", "true", "false", "yes", "no"):
            raise UsageError(f"{EDITABLE[field]}应为「是」或「否」。")
        return raw in ("是", "true", "yes")
    if field == "level":
        return parse_level(raw).value
    if field == "mailbox":
        return _mailbox(raw)
    if field == "attachment":
        if raw not in ("docx", "inline"):
            raise UsageError("附件应为 docx（Word 附件）或 inline（只放正文）。")
        return raw
    if field == "aliases":
        return "|".join(dict.fromkeys(part for part in _ALIAS_SEPARATORS.split(raw) if part))
    if field == "subject_template":
        _template(raw, "邮件标题", title="", author="", department="", outlet="")
    if field == "byline":
        _template(raw, "署名", author="", department="")
    return raw


def _validate(session: Session, outlet: Outlet) -> None:
    """What no single field shows: each name and alias names one outlet (投递 splits them at blanks), and the
    limits agree."""
    if not outlet.name or len(outlet.name) > 64 or any(c.isspace() or c in NAME_SEPARATORS for c in outlet.name):
        raise UsageError("媒体名称不能为空、不能有空格或、，,，最多 64 个字（投递时以它们分开媒体名称）。")
    words = {outlet.name, *outlet.alias_list}
    if "全部" in words:
        raise UsageError("「全部」用于「投递 #12 全部」，不能作媒体名称或别名。")
    with session.no_autoflush:  # the change is checked before the database sees it
        others = [other for other in everything(session) if other is not outlet]
    for other in others:
        clash = words & {other.name, *other.alias_list}
        if clash:
            raise UsageError(f"「{'、'.join(sorted(clash))}」已是媒体「{other.name}」的名称或别名，请换一个。")
    if outlet.min_chars and outlet.max_chars and outlet.min_chars > outlet.max_chars:
        raise UsageError(f"最少字数（{outlet.min_chars}）不能大于最多字数（{outlet.max_chars}）。")


def _template(raw: str, what: str, **names: str) -> None:
    """Only the plain names, as {title}: no {title.__class__}, {title[0]} or {title:>99999}."""
    allowed = " ".join(f"{{{name}}}" for name in names)
    try:
        fields = [(name, conversion, spec) for _, name, spec, conversion in Formatter().parse(raw) if name is not None]
    except ValueError as exc:
        raise UsageError(f"{what}模板只能使用 {allowed}（花括号要成对）。") from exc
    if any(name not in names or conversion or spec for name, conversion, spec in fields):
        raise UsageError(f"{what}模板只能使用 {allowed}。")


def _mailbox(raw: str) -> str:
    raw = raw.strip()
    if raw and not _MAILBOX.fullmatch(raw):
        raise UsageError(f"「{raw}」不是有效的邮箱地址。请填写一个完整的邮箱地址，例如 tougao@example.com")
    return raw


@dataclass(frozen=True)
class Check:
    outlet: Outlet
    problems: list[str]
    needs_revision: bool = False  # its text or title: only 修改 mends it, before the draft goes to any outlet

    @property
    def ok(self) -> bool:
        return not self.problems


def check(outlet: Outlet, draft: Draft, text: str, has_photos: bool) -> Check:
    """Every way the approved version breaks this outlet's format rules, in Chinese."""
    words, revise = word_count(text), []  # what only 修改 mends
    if outlet.min_chars and words < outlet.min_chars:
        revise.append(f"正文 {words} 字，少于 {outlet.min_chars} 字")
    if outlet.max_chars and words > outlet.max_chars:
        revise.append(f"正文 {words} 字，超过 {outlet.max_chars} 字")
    if outlet.max_title_chars and len(draft.title) > outlet.max_title_chars:
        revise.append(f"标题 {len(draft.title)} 字，超过 {outlet.max_title_chars} 字")
    unset = f"媒体邮箱未设置（管理员发送「媒体 修改 {outlet.name} 邮箱=地址」）"
    problems = ([] if outlet.mailbox else [unset]) + revise
    if outlet.photos_required and not has_photos:
        problems.append("需要配图：请作者把带照片的 Word 稿件发给我（照片随稿件发给媒体）")
    return Check(outlet, problems, bool(revise))


DEFAULT_BYLINE = "{department} {author}"


def byline(outlet: Outlet, author: Member) -> str:
    """The author's line under the title, as this outlet wants it (its 署名 template): one approved text goes to
    outlets with different bylines (一稿多投)."""
    return (outlet.byline or DEFAULT_BYLINE).format(author=author.name, department=author.department).strip()
