"""The training record (通讯员培训台账): 每年邀请…开展通讯员培训, 鼓励…参加各类新闻写作培训 — what was held or
attended, when, by whom, so that a year's training can be counted beside its articles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain import audit, members
from bot.domain.errors import NotFound, Refused, UsageError, UserError
from bot.text import day_name, to_half_width
from models import Member, Training, TrainingAttendance

TITLE_MAX_CHARS = 60
SPEAKER_MAX_CHARS = 60
_NAME_LIST = re.compile(r"[、，,；;。\n]+")
_LIST_HEADING = re.compile(r"^(?:参加|参训|参会)?(?:人员|名单)?\s*[:：]\s*|^(?:参加|参训|参会)\s*")
_TRAILING_ETC = re.compile(r"等(?:[0-9一二三四五六七八九十百]+人)?$")
_BLANKS = re.compile(r"\s+")


@dataclass(frozen=True)
class Entry:
    training: Training
    attendees: int


@dataclass(frozen=True)
class Recorded:
    training: Training
    added: list[Member]  # who was recorded now
    before: int  # attendees recorded earlier: a training sent again with more names adds them


def add(session: Session, day: date, title: str, speaker: str, names: str, actor: Member, now: datetime,
        today: date) -> Recorded:
    """Record a training that has taken place and who took part (names or userids), all found or nothing
    recorded; the same day and title again adds the names not recorded yet (someone forgotten)."""
    title, speaker = _plain(title), _plain(speaker)
    if not title:
        raise UsageError("请写培训名称，例如：培训 登记 5月20日 新闻写作培训 主讲 韶关日报记者⏎张三、李四")
    if len(title) > TITLE_MAX_CHARS or len(speaker) > SPEAKER_MAX_CHARS:
        raise UsageError(f"培训名称和主讲各最多 {TITLE_MAX_CHARS} 字，请精简后重发。")
    if day > today:
        raise UsageError(f"培训日期 {day:%Y-%m-%d} 还没到：培训结束后再登记参加人员。")
    attendees = _attendees(session, names)
    training = _existing(session, day, title)
    if training is None:
        training = Training(day=day, title=title, speaker=speaker, recorded_by=actor.userid, recorded_at=now)
        try:
            with session.begin_nested():  # another admin recording it at this moment: theirs is the one
                session.add(training)
        except IntegrityError:
            training = _existing(session, day, title)
            assert training is not None
    known = set(session.scalars(select(TrainingAttendance.member_id)
                                .where(TrainingAttendance.training_id == training.id)))
    added = [m for m in attendees if m.id not in known]
    if not added:
        raise Refused(f"{day_name(day)}的「{title}」已登记（培训 #{training.id}），这些人员都已在名单上，"
                      f"无需重复。登记有误请先发送「培训 删除 #{training.id}」再重新登记。")
    session.add_all(TrainingAttendance(training_id=training.id, member_id=m.id) for m in added)
    audit.record(session, now, actor.userid, "training.add",
                 comment=f"#{training.id} {day:%Y-%m-%d} {title}：{'、'.join(m.name for m in added)}")
    return Recorded(training, added, len(known))


def _existing(session: Session, day: date, title: str) -> Training | None:
    return session.scalar(select(Training).where(Training.day == day, Training.title == title))


def _plain(text: str) -> str:
    """A title or speaker as compared and kept: 「新闻写作培训（第一期）。」 is 「新闻写作培训(第一期)」."""
    return _BLANKS.sub(" ", to_half_width(text)).strip().rstrip("。.")


def _attendees(session: Session, names: str) -> list[Member]:
    words = _names(names)
    if not words:
        raise UsageError("请在第二行写参加人员（姓名或账号，用顿号或空格分开），例如：张三、李四、小李")
    found: dict[int, Member] = {}
    unknown, shared = [], []
    for word in words:
        try:
            member = members.find(session, word)
        except NotFound:
            unknown.append(word)
        except UserError:  # a name two members share
            shared.append(word)
        else:
            found[member.id] = member
    if unknown or shared:
        raise UsageError("，".join([*([f"找不到成员：{'、'.join(unknown[:10])}"] if unknown else []),
                                   *([f"同名的有不止一人：{'、'.join(shared[:10])}（请写账号）"] if shared else [])])
                         + "。写姓名或账号，培训没有登记。发送「成员」查看名单。")
    return list(found.values())


def _names(text: str) -> list[str]:
    """「参加人员：张三、李四等」, 「张三 李四」 and 「张　三、李　四」 (padded as on a sign-in sheet): 张三, 李四."""
    names: list[str] = []
    for part in _NAME_LIST.split(_LIST_HEADING.sub("", text.strip())):
        words = _TRAILING_ETC.sub("", part.strip()).split()
        names += ["".join(words)] if words and all(len(word) == 1 for word in words) else words
    return names


def get(session: Session, training_id: int) -> Training:
    training = session.get(Training, training_id)
    if training is None:
        raise NotFound(f"没有培训 #{training_id}。发送「培训」查看今年的培训。")
    return training


def remove(session: Session, training_id: int, actor: Member, now: datetime) -> Training:
    """Take back a training recorded by mistake; the audit log keeps what it was."""
    training = get(session, training_id)
    session.execute(delete(TrainingAttendance).where(TrainingAttendance.training_id == training.id))
    session.delete(training)
    audit.record(session, now, actor.userid, "training.remove",
                 comment=f"#{training.id} {training.day:%Y-%m-%d} {training.title}")
    return training


def of_year(session: Session, year: int) -> list[Entry]:
    return between(session, date(year, 1, 1), date(year + 1, 1, 1))


def between(session: Session, start: date, end: date) -> list[Entry]:
    """The trainings in [start, end), in order, with how many took part."""
    rows = session.execute(
        select(Training, func.count(TrainingAttendance.member_id)).outerjoin(TrainingAttendance)
        .where(Training.day >= start, Training.day < end)
        .group_by(Training.id).order_by(Training.day, Training.id))
    return [Entry(training, count) for training, count in rows]


def attended(session: Session, member: Member, year: int) -> int:
    return session.scalar(
        select(func.count()).select_from(TrainingAttendance).join(Training)
        .where(TrainingAttendance.member_id == member.id, Training.day >= date(year, 1, 1),
               Training.day < date(year + 1, 1, 1))) or 0


def attendees(session: Session, training: Training) -> list[Member]:
    return list(session.scalars(select(Member).join(TrainingAttendance, TrainingAttendance.member_id == Member.id)
                                .where(TrainingAttendance.training_id == training.id).order_by(Member.id)))
