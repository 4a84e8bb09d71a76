"""Review of the figures the office is paid and judged by (积分, 排行, 统计, 导出): each test a defect found by
computing a realistic period by hand and comparing it with what the bot says."""

from __future__ import annotations

import re

from bot.runtime import Runtime
from tests.conftest import ChatDriver, FrozenClock
from tests.test_delivery import drain
from tests.test_figures_agree import approve, at, ok


def test_上稿率_of_one_in_eight_is_rounded_half_up_as_the_office_counts(newsroom: Runtime, clock: FrozenClock) -> None:
    """In May 张三 writes two drafts and his editor sends each to four outlets (8 e-mails); one is published.
    By hand the department's 上稿率 is 1/8 = 12.5 %, 四舍五入 13 % (as Excel and the office round it), and 3/8 would
    be 38 %: both halves go up. 统计 said 「办公室 8/1/12%」: Python's `:.0%` rounds an exact half to even, so
    12.5 % went down while 37.5 % went up — the same kind of figure rounded two ways. Right side: the hand count
    (and every other rate in the reply rounding a half up); at fault: bot.domain.stats.Row.rate and
    Figures.reprint_rate."""
    chat = ChatDriver(newsroom)
    at(clock, 5, 4)
    for title in ("五月第一稿", "五月第二稿"):
        number, editor = approve(chat, "zhangsan", title)
        ok(chat.as_member(editor).says(f"投递 #{number} 韶关日报 南方网 乐昌市政府网 局微信公众号"))
    drain(newsroom)
    at(clock, 5, 8)
    ok(chat.as_member("zhangsan").says("刊发 #1 韶关日报 第3版"))
    reply = chat.as_member("admin").says("统计 2026-05")
    assert re.search(r"投递 8 次，刊发 1 篇次", reply), reply
    assert "办公室 8/1/13%" in reply, reply
