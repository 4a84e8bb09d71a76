"""Working days (节假日与调休): Monday to Friday, less the holidays the admins enter, plus the weekend days
worked in their place. The editor's clock and 催办 follow them; admins enter each year's from the notice."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
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


def usage(today: date) -> str:
    """Examples that work as typed on `today`: 上班's days are a weekend a week or more ahead (a fixed 9月28日
    is a Sunday one year and a workday the next, and would be refused)."""
    saturday = today + timedelta(days=12 - today.weekday())
    sunday = saturday + timedelta(days=1)
    return (f"例如：日程 放假 10月1日至7日 国庆节｜日程 上班 {saturday.month}月{saturday.day}日、"
            f"{sunday.month}月{sunday.day}日 调休｜日程 清除 10-10")


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
         actor: str | None) -> list[tuple[date, bool, str]]:
    """Days off (放假) or weekend days worked (上班); returns what they were entered as before, if otherwise."""
    name = one_line(name).strip()
    if not name:
        raise UsageError(f"请写上名称，{usage(first)}")
    if len(name) > NAME_MAX_CHARS:
        raise UsageError(f"名称最多 {NAME_MAX_CHARS} 个字。")
    days = _days(first, last)
    if not off and (weekday := next((day for day in days if day.weekday() < 5), None)):
        raise UsageError(f"{weekday_name(weekday)}本身为工作日，无需登记。「上班」仅用于调休上班的星期六、星期日。")
    entered = session.scalars(select(SpecialDay).where(SpecialDay.day.in_(days)))
    earlier = [(row.day, row.off, row.name) for row in entered if (row.off, row.name) != (off, name)]
    for day in days:
        session.merge(SpecialDay(day=day, off=off, name=name))
    audit.record(session, now, actor, "workdays.off" if off else "workdays.worked",
                 comment=f"{span_name(first, last)} {name}")
    return earlier


def clear(session: Session, first: date, last: date, now: datetime, actor: str | None) -> int:
    """The days back to what their weekday says; how many had been entered."""
    _days(first, last, "清除")
    cleared = int(session.execute(delete(SpecialDay).where(SpecialDay.day >= first, SpecialDay.day <= last))
                  .rowcount)  # type: ignore[attr-defined]
    if cleared:
        audit.record(session, now, actor, "workdays.clear", comment=span_name(first, last))
    return cleared


def holiday(session: Session, day: date) -> str | None:
    """The name of the holiday `day` is in, if the office entered it as a day off."""
    return session.scalar(select(SpecialDay.name).where(SpecialDay.day == day, SpecialDay.off.is_(True)))


def upcoming(session: Session, today: date) -> list[tuple[date, date, bool, str]]:
    """The entered days from today on, as runs of one name: (first, last, off, name)."""
    runs: list[tuple[date, date, bool, str]] = []
    for row in session.scalars(select(SpecialDay).where(SpecialDay.day >= today).order_by(SpecialDay.day)):
        if runs and (row.off, row.name) == runs[-1][2:] and row.day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], row.day, row.off, row.name)
        else:
            runs.append((row.day, row.day, row.off, row.name))
    return runs


@dataclass(frozen=True)
class _Written:
    """A day as written: its year may be missing, and a weekday noted beside it (（周日）) is checked."""
    text: str
    year: int | None
    month: int
    day: int
    weekday: int | None  # Monday 0, as date.weekday()


_AHEAD = timedelta(days=60)
_DAYS_AGO = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}


def past_day(word: str, today: date) -> date | None:
    """A day that has been — 2026-12-30, 12-30, 12月30日, 2026年12月30日 (刊发, 培训) — or None when the word is
    no date. Without a year it is the latest such day up to today: in January, 12月30日 is last year's; but a
    day less than two months ahead is refused, not taken for last year's (「5月20日」 typed on 12 May). 今天, 昨天
    and 前天 are read too."""
    if word in _DAYS_AGO:
        return today - timedelta(days=_DAYS_AGO[word])
    found = DAY.fullmatch(to_half_width(word))
    if found is None:
        return None
    month, day = int(found[2]), int(found[3])
    try:
        when = date(int(found[1] or today.year), month, day)
        if not found[1] and when > today:
            if when - today <= _AHEAD:
                raise UsageError(f"{month}月{day}日还没到。去年的请写 {today.year - 1}年{month}月{day}日。")
            when = date(today.year - 1, month, day)
    except ValueError:
        raise UsageError(f"「{word}」不是有效的日期。日期请写成 12月30日 或 2026-12-30。") from None
    return when


MAX_ITEMS = 20  # days or ranges in one command: a notice's line has two or three
LOOKBACK = timedelta(days=31)  # a day noted with its weekday may be this far back: an entry made late


def parse_days(text: str, today: date) -> tuple[list[tuple[date, date]], str]:
    """The days an admin writes, as the State Council's notice gives them, and the name after them:
    「10-1至10-7 国庆节」, 「1月28日（农历除夕、周二）至2月4日（周二） 春节」, 「4月4日至6日 清明节」,
    「1月26日、2月8日 春节调休」, 「10.1-10.7」. Without a year a range is the next one not over yet; a
    weekday noted beside a day picks the year it matches."""
    raw, text = text.strip(), to_half_width(text.strip())  # one character for one: positions carry over
    spans: list[tuple[date, date]] = []
    at = 0
    while found := DAY.match(text, at):
        if len(spans) == MAX_ITEMS:
            raise UsageError(f"一条最多写 {MAX_ITEMS} 个日期或日期范围，请分几条发送。")
        first, at = _written(found, None, text)
        last = first
        if through := _THROUGH.match(text, at):
            end = DAY.match(text, through.end()) or _SHORT_DAY.match(text, through.end())
            if end is None:
                raise UsageError(f"「{text[found.start():through.end()].strip()}」后面缺少结束日期。{usage(today)}")
            last, at = _written(end, first, text)
        spans.append(_resolved(first, last, today))
        gap = _GAP.match(text, at)
        following = DAY.match(text, gap.end()) if gap else None
        if gap is None or following is None or not ("月" in following[0] or _ITEM_END.match(text, following.end())):
            break  # what follows is the name: 「1.5天」 there is no day, 「10月10日国庆调休」 is
        at = gap.end()
    if not spans:
        raise UsageError(f"请先写日期或日期范围，再写名称，{usage(today)}")
    if counted := _DAYS_COUNTED.match(text, at):  # 「…至8日放假调休，共8天」, as the notice has it: not the name
        at = counted.end()
    name = raw[at:].strip()
    half = to_half_width(name)
    if _NOT_A_NAME.match(half) or half.count("(") != half.count(")"):
        raise UsageError(f"「{name[:20]}」无法识别：日期写在名称之前，多个日期各写月份，括号要成对。{usage(today)}")
    return spans, name


_DAYS_COUNTED = re.compile(r"\s*[,，]?\s*(?:放假(?:调休)?\s*[,，]?\s*)?共\s*\d+\s*天\s*[。.,，;；]?")
_SHORT_DAY = re.compile(r"(\d{1,2})(?:[日号]|(?=\s|$))")  # 「4月4日至6日」: the month is the first day's
# （周日）, （农历除夕、周二）: half-width by now; a bracket without a weekday or 农历 is part of the name.
_NOTE = re.compile(r"\s*\(([^()至到]*(?:周|星期|礼拜|农历|除夕)[^()至到]*)\)")
_THROUGH = re.compile(r"\s*(?:\.{2,}|。。|…+|至|到|~|—+|–|〜|-)\s*")
_GAP = re.compile(r"[\s、,;和及与]+")  # between days: 「1月26日、2月8日」, 「9月27日和10月10日」
_ITEM_END = re.compile(r"(?=[\s、,;和及与(]|$|\.{2}|。。|…|至|到|~|—|–|〜|-)")
_NOT_A_NAME = re.compile(r"[-、,;]|\d{1,2}[日号]")  # 「、8日 国庆」: a day left unread, not a name
_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天1-7])")
_WEEKDAY_NUMBERS = {name: n for n, name in enumerate(WEEKDAY_NAMES)} | {"天": 6} | {str(n + 1): n for n in range(7)}


def _written(found: re.Match[str], start: _Written | None, text: str) -> tuple[_Written, int]:
    """A matched day (with its month from `start` when written 「至6日」), and where the text goes on."""
    if start is not None and found.re is _SHORT_DAY:
        year, month, day = start.year, start.month, int(found[1])
    else:
        year, month, day = (int(found[1]) if found[1] else None), int(found[2]), int(found[3])
    at, weekday = found.end(), None
    if note := _NOTE.match(text, at):
        at, named = note.end(), _WEEKDAY.search(note[1])
        weekday = _WEEKDAY_NUMBERS[named[1]] if named else None
    return _Written(found[0], year, month, day, weekday), at


def _resolved(first: _Written, last: _Written, today: date) -> tuple[date, date]:
    """The two days as dates. Without years: the range not over yet that comes first (12-31至1-3 on 1月2日 is the
    one under way); a weekday noted may instead pick one just gone (an entry made late), never another."""
    if first.year is None and last.year is not None:  # 「12月31日至2027年1月3日」
        first = replace(first, year=last.year - ((first.month, first.day) > (last.month, last.day)))
    if last.year is None and (last.month, last.day) < (first.month, first.day) and (first.month, last.month) != (12, 1):
        raise UsageError(f"结束日期{last.text}早于开始日期{first.text}，请检查。{usage(today)}")
    # Without a year: last year's, this year's and next year's (for 2-29, the leap years among the next few).
    years = [first.year] if first.year is not None else [today.year + n for n in range(-1, 5)]
    candidates = [span for year in years if (span := _span(first, last, year)) is not None][:3]
    if not candidates:
        written = first.text if first is last else f"{first.text}至{last.text}"
        raise UsageError(f"「{written}」不是有效的日期。{usage(today)}")
    choices = [_coming(candidates, today), *(span for span in candidates if today - LOOKBACK <= span[1] < today)]
    matching = [span for span in choices if _weekdays_match(first, last, *span)]
    if not matching:  # a weekday is noted that the day does not have
        start, end = choices[0]
        wrong, when = (first, start) if first.weekday not in (None, start.weekday()) else (last, end)
        raise UsageError(f"{weekday_name(when)}与所注的「周{WEEKDAY_NAMES[wrong.weekday or 0]}」不符，"
                         "请检查日期，或写上年份。")
    return matching[0]


def _coming(spans: list[tuple[date, date]], today: date) -> tuple[date, date]:
    return next((span for span in spans if span[1] >= today), spans[-1])


def _span(first: _Written, last: _Written, year: int) -> tuple[date, date] | None:
    """The range with `first` in `year` (its own year if written); None when a day does not exist then."""
    try:
        start = date(first.year if first.year is not None else year, first.month, first.day)
        end_year = last.year if last.year is not None else (
            start.year + 1 if (last.month, last.day) < (first.month, first.day) else start.year)
        return start, date(end_year, last.month, last.day)
    except ValueError:
        return None


def _weekdays_match(first: _Written, last: _Written, start: date, end: date) -> bool:
    return (first.weekday is None or first.weekday == start.weekday()) and (
        last.weekday is None or last.weekday == end.weekday())


def _days(first: date, last: date, doing: str = "登记") -> list[date]:
    if last < first:
        raise UsageError(f"结束日期{span_name(last, last)}早于开始日期{span_name(first, first)}，请检查。")
    count = (last - first).days + 1
    if count > SPAN_MAX_DAYS:
        raise UsageError(f"每次最多{doing} {SPAN_MAX_DAYS} 天，所写的{span_name(first, last)}共 {count} 天，"
                         "请检查日期（尤其是年份）。")
    return [first + timedelta(days=n) for n in range(count)]


def weekday_name(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAY_NAMES[day.weekday()]}）"


def span_name(first: date, last: date, weekdays: bool = False) -> str:
    """「2026年10月1日至10月7日」, 「2026年10月10日」; with `weekdays` 「2026年10月1日（周四）至10月7日（周三）」,
    to check against the notice."""
    def day(when: date, year: bool) -> str:
        return (f"{f'{when.year}年' if year else ''}{when.month}月{when.day}日"
                f"{f'（周{WEEKDAY_NAMES[when.weekday()]}）' if weekdays else ''}")
    return day(first, True) + ("" if last == first else f"至{day(last, last.year != first.year)}")
