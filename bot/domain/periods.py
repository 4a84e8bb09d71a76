"""The office's words for a period — 2026-05, 5月, 上月, 2026Q3, 第三季度, 去年 — and the periods the calendar's
reports and the year's end are about."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from bot.domain.errors import UsageError
from bot.text import month_name, small_number

# 2026-07, 2026-7, 2026/7, 2026年7月, 7月 or 七月 (the nearest): a whole word (「2026年1号文件」, 「2026-123」 and
# 「五月的书」 name no month).
# A month ends at a blank, a colon or comma (taken with it: 「学习 设置 8月：…」), a title's 《 or the end;
# 「8月份」 is 8月.
_END = r"份?(?:\s*[:：,，、]|(?=[\s《“]|$))"
_MONTH = re.compile(r"(?:(\d{4})\s*(?:[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月)|(\d{1,2})\s*月"
                    rf"|(十[一二]|[一二三四五六七八九十])月){_END}")
# 本月, 上月, 下个月 …: the month by today.
_MONTH_BY_TODAY = re.compile(rf"(?:本月|这个月|当月|(上|下)个?月){_END}")
# 2026, 2026年, 2026Q3, 2026-Q3, 2026 Q3, 2026年第3季度, 2026年三季度
# Possessive blanks (\s*+): none of them gives a blank back, which a run of blanks would make cubic to try.
_PERIOD = re.compile(r"(?:(\d{4})\s*+年?度?)?\s*+(?:-?\s*+[Qq]([1-4])|第?\s*+([1-4一二三四])\s*+季度)?")


def leading_month(text: str, today: date, past: bool = False) -> tuple[date, int] | None:
    """The month `text` begins with, as its first day, and where the rest begins; None if it begins with none.
    A month without a year is the nearest one, or with `past` the latest one not to come (figures)."""
    by_today = _MONTH_BY_TODAY.match(text)
    if by_today is not None:
        shift = {"上": -1, "下": 1}.get(by_today[1] or "", 0)
        months = today.year * 12 + today.month - 1 + shift
        return date(months // 12, months % 12 + 1, 1), by_today.end()
    match = _MONTH.match(text)
    if match is None:
        return None
    year = match[1]
    month = small_number(match[2] or match[3] or match[4] or match[5])
    if not 1 <= month <= 12:
        raise UsageError(f"「{match.group(0)}」不是有效的月份，请写成 2026-05 这样的年月。")
    if year:
        return date(_year(year), month, 1), match.end()
    # 「7月」: the nearest July — in December 「1月」 is the coming one, in January 「12月」 the one just gone.
    if past:
        return date(today.year if month <= today.month else today.year - 1, month, 1), match.end()
    nearest = min((today.year - 1, today.year, today.year + 1),
                  key=lambda y: (abs((y - today.year) * 12 + month - today.month), y != today.year))
    return date(nearest, month, 1), match.end()


def parse_month(text: str, today: date, past: bool = True) -> tuple[date, date]:
    """`2026-05` (default: this month) → [first day, first day of next month); `7月` as in `leading_month`."""
    text = text.strip()
    found = leading_month(text, today, past) if text else (today.replace(day=1), 0)
    if found is None or found[1] != len(text):
        raise UsageError(f"月份应写成 2026-05 这样，不是「{text}」。")
    return found[0], next_month(found[0])


def quarter(month: int) -> int:
    """The quarter (1–4) a month (1–12) is in."""
    return (month + 2) // 3


def _last_quarter(today: date) -> str:
    last = quarter(today.month) - 1
    return f"{today.year - 1}Q4" if last == 0 else f"{today.year}Q{last}"


# The years and quarters people name by today (months: leading_month), written as a period is.
_RELATIVE: dict[str, Callable[[date], str]] = {
    "今年": lambda today: str(today.year), "全年": lambda today: str(today.year),
    "去年": lambda today: str(today.year - 1), "上年": lambda today: str(today.year - 1),
    "本季度": lambda today: f"{today.year}Q{quarter(today.month)}", "上季度": _last_quarter}


def parse_period(text: str, today: date) -> tuple[date, date, str]:
    """`2026`, `2026年度`, `2026Q3`, `2026年第三季度`, `去年`, `上季度` (default: this year) → [start, end) and its
    name. A quarter without a year (`三季度`, `Q3`) is the latest one begun: in January, 四季度 is last year's."""
    typed = text.strip()
    text = _RELATIVE[typed](today) if typed in _RELATIVE else typed
    match = _PERIOD.fullmatch(text)
    if not match or (text and not (match[1] or match[2] or match[3])):
        raise UsageError(f"时间应写成 2026、2026Q3 或 三季度（今年第3季度）这样，不是「{typed}」。")
    quarter_word = match[2] or match[3]
    quarter = None if quarter_word is None else small_number(quarter_word)
    not_begun = quarter is not None and 3 * quarter - 2 > today.month
    year = _year(match[1]) if match[1] else today.year - not_begun
    if quarter is None:
        return date(year, 1, 1), date(year + 1, 1, 1), f"{year}年"
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end, f"{year}年第{quarter}季度"


def parse_span(text: str, today: date) -> tuple[date, date, str]:
    """A month (`2026-05`, `7月`, `上月`; default: this month), a quarter or a year → [start, end) and its name."""
    typed = text.strip()
    text = _RELATIVE[typed](today) if typed in _RELATIVE else typed
    found = leading_month(text, today, past=True) if text else (today.replace(day=1), 0)
    if found is not None and found[1] == len(text):
        return found[0], next_month(found[0]), month_name(found[0])
    if found is None and _PERIOD.fullmatch(text):
        return parse_period(text, today)
    raise UsageError(f"时间应写成 2026-05（月份）、2026Q3（季度）或 2026（全年）这样，不是「{typed}」。")


def reported_month(day: date) -> date:
    """The month a monthly report on `day` is about: in the second half of a month (day=last), that month so far;
    else the month before, whole."""
    start = day.replace(day=1)
    return start if day.day > 15 else (start - timedelta(days=1)).replace(day=1)


def closing_year(day: date) -> int:
    """The year a year-end ranking or summary on `day` is about: in the first half of a year, the year before."""
    return day.year if day.month > 6 else day.year - 1


def is_month(start: date, end: date) -> bool:
    return end == next_month(start)


def _year(text: str) -> int:
    year = int(text)
    if not 2000 <= year <= 2100:
        raise UsageError(f"年份应在 2000 到 2100 之间，不是「{text}」。例如：2026")
    return year


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
