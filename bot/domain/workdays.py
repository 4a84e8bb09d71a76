"""Working days (节假日与调休): Monday to Friday, less the holidays the admins enter, plus the weekend days
worked in their place. The editor's clock and 催办 follow them; admins enter each year's from the notice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.errors import UsageError
from bot.text import DAY, one_line, to_half_width
from models import SpecialDay

NAME_MAX_CHARS = 40
SPAN_MAX_DAYS = 31  # the longest holiday, with room: a typo of a year would mark hundreds of days
WEEKDAY_NAMES = "一二三四五六日"
_SPAN = re.compile(rf"({DAY.pattern})\s*(?:(?:\.\.|。。|至|到|~)\s*({DAY.pattern}))?(?=\s|$)")
USAGE = "例如：日程 放假 10-1至10-7 国庆节｜日程 上班 10-10 国庆调休｜日程 清除 10-10"


@dataclass(frozen=True)
class Workdays:
    off: frozenset[date] = frozenset()
    worked: frozenset[date] = frozenset()

    def working(self, day: date) -> bool:
        return day not in self.off and (day.weekday() < 5 or day in self.worked)


MONDAY_TO_FRIDAY = Workdays()


def between(session: Session, first: date, last: date) -> Workdays:
    """The working days from `first` to `last`, as the office has entered them."""
    rows = session.execute(select(SpecialDay.day, SpecialDay.off).where(SpecialDay.day >= first,
                                                                         SpecialDay.day <= last)).all()
    return Workdays(frozenset(day for day, off in rows if off), frozenset(day for day, off in rows if not off))


def mark(session: Session, first: date, last: date, off: bool, name: str, now: datetime,
         actor: str | None) -> list[date]:
    """Days off (放假) or weekend days worked (上班), in place of what those days were."""
    name = one_line(name).strip()
    if not name:
        raise UsageError(f"请写上名称，{USAGE}")
    if len(name) > NAME_MAX_CHARS:
        raise UsageError(f"名称最多 {NAME_MAX_CHARS} 个字。")
    days = _days(first, last)
    if not off and (weekday := next((day for day in days if day.weekday() < 5), None)):
        raise UsageError(f"{weekday_name(weekday)}本身为工作日，无需登记。「上班」仅用于调休上班的星期六、星期日。")
    for day in days:
        session.merge(SpecialDay(day=day, off=off, name=name))
    audit.record(session, now, actor, "workdays.off" if off else "workdays.worked",
                 comment=f"{span_name(first, last)} {name}")
    return days


def clear(session: Session, first: date, last: date, now: datetime, actor: str | None) -> int:
    """The days back to what their weekday says; how many had been entered."""
    _days(first, last)
    cleared = int(session.execute(delete(SpecialDay).where(SpecialDay.day >= first, SpecialDay.day <= last))
                  .rowcount)  # type: ignore[attr-defined]
    if cleared:
        audit.record(session, now, actor, "workdays.clear", comment=span_name(first, last))
    return cleared


def upcoming(session: Session, today: date) -> list[tuple[date, date, bool, str]]:
    """The entered days from today on, as runs of one name: (first, last, off, name)."""
    runs: list[tuple[date, date, bool, str]] = []
    for row in session.scalars(select(SpecialDay).where(SpecialDay.day >= today).order_by(SpecialDay.day)):
        if runs and (row.off, row.name) == runs[-1][2:] and row.day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], row.day, row.off, row.name)
        else:
            runs.append((row.day, row.day, row.off, row.name))
    return runs


def parse_span(text: str, today: date) -> tuple[date, date, str]:
    """「10-1..10-7 国庆节」, 「2026-10-10 调休」, 「10月1日至10月7日 国庆节」 → (first, last, the rest). A day
    without a year is the next such day, or one in the last month (an entry put right)."""
    text = to_half_width(text.strip())
    found = _SPAN.match(text)
    if found is None:
        raise UsageError(f"请写日期或日期范围，{USAGE}")
    groups = found.groups()
    first = _resolve(found[1], groups[1:4], today - timedelta(days=30))
    last = _resolve(found[5], groups[5:8], first) if found[5] else first
    return first, last, text[found.end():].strip()


def _resolve(word: str, parts: tuple[str | None, ...], earliest: date) -> date:
    year, month, day = parts
    try:
        if year:
            return date(int(year), int(month or 0), int(day or 0))
        for candidate in (earliest.year, earliest.year + 1):
            try:
                if (when := date(candidate, int(month or 0), int(day or 0))) >= earliest:
                    return when
            except ValueError:  # 2-29 of a common year: the next leap year is too far to mean
                continue
        raise ValueError
    except ValueError:
        raise UsageError(f"「{word}」不是有效的日期。{USAGE}") from None


def _days(first: date, last: date) -> list[date]:
    if last < first:
        raise UsageError(f"结束日期{span_name(last, last)}早于开始日期{span_name(first, first)}，请检查。{USAGE}")
    count = (last - first).days + 1
    if count > SPAN_MAX_DAYS:
        raise UsageError(f"每次最多登记 {SPAN_MAX_DAYS} 天，所写的{span_name(first, last)}共 {count} 天，"
                         "请检查日期（尤其是年份）。")
    return [first + timedelta(days=n) for n in range(count)]


def weekday_name(day: date) -> str:
    return f"{day.month}月{day.day}日（星期{WEEKDAY_NAMES[day.weekday()]}）"


def span_name(first: date, last: date) -> str:
    """「2026年10月1日至10月7日」, 「2026年10月10日」."""
    end = "" if last == first else f"至{'' if last.year == first.year else f'{last.year}年'}{last.month}月{last.day}日"
    return f"{first.year}年{first.month}月{first.day}日{end}"
