"""The year's end (新闻用稿奖励办法 settlement, 优秀通讯员评选): the office admin and the director in December and
January. Each test first proved what a user did and what went wrong."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.runtime import Runtime
from tests.conftest import ChatDriver, FrozenClock
from tests.test_delivery import drain
from tests.test_exports import saved
from tests.test_figures_agree import group_posts
from tests.test_publishing import approved_draft

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(clock: FrozenClock, year: int, month: int, day: int, hour: int = 10) -> None:
    clock.current = datetime(year, month, day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def published_last_december(newsroom: Runtime, clock: FrozenClock) -> ChatDriver:
    """A draft published in 韶关日报 on 10 December 2026; the office's clock on 4 January 2027."""
    chat = ChatDriver(newsroom)
    at(clock, 2026, 12, 10)
    number = approved_draft(chat)
    chat.as_member("zhangsan").says(f"刊发 #{number} 韶关日报 https://www.sgrb.example/1.html")
    at(clock, 2027, 1, 4)
    return chat


def print_recorded_late(chat: ChatDriver, clock: FrozenClock, approved: tuple[int, int, int],
                        reprinted: tuple[int, int, int], recorded: tuple[int, int, int],
                        printed: str) -> tuple[int, str]:
    """多方采用按最高计: a draft approved on `approved`, its 南方网 reprint recorded on `reprinted` (5 points),
    then, on `recorded`, the 韶关日报 print of the earlier day `printed` (3 points): its number, the reply."""
    at(clock, *approved)
    number = approved_draft(chat)
    at(clock, *reprinted)
    chat.as_member("zhangsan").says(f"刊发 #{number} 南方网 https://www.southcn.example/1.html")
    at(clock, *recorded)
    return number, chat.as_member("lisi").says(f"刊发 #{number} 韶关日报 第3版 {printed}")


def workbook_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data))
    return "\n".join(str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for value in row if value is not None)


def test_a_settlement_exported_twice_says_when_each_was_made(newsroom: Runtime, clock: FrozenClock) -> None:
    """The admin exports 2026Q4 on 15 December (to check it) and again on 5 January after a 刊发 was revoked and
    another recorded late. Both files are named 「2026年第4季度用稿奖励表.xlsx」 and neither says when it was made
    or that the first covers the quarter only up to 15 December (the year's summary says 「数据截至…」): the
    office cannot tell which of the two files in the chat is the one to pay by."""
    chat = ChatDriver(newsroom)
    at(clock, 2026, 12, 10)
    first = approved_draft(chat, title="十二月稿一")
    chat.as_member("zhangsan").says(f"刊发 #{first} 南方网 https://www.southcn.example/1.html")
    at(clock, 2026, 12, 15)
    chat.as_member("admin").says("导出 2026Q4")
    drain(newsroom)
    [(name, data)] = saved(newsroom).items()
    assert name == "2026年第4季度用稿奖励表.xlsx"
    text = workbook_text(data)
    assert "2026-12-15" in text or "12月15日" in text, "the settlement does not say when it was made / 截至"


def test_排行_in_january_before_anything_is_published_points_to_last_year(newsroom: Runtime,
                                                                     clock: FrozenClock) -> None:
    """On 4 January the director types 「排行」 for the 优秀通讯员评选 (the year-end post told the group to
    look at the ranking). The answer is 「2027年还没有刊发的稿件。」 and nothing else: it does not say that the
    year just closed is 「排行 2026」 (product.md: every reply says what to type instead)."""
    chat = published_last_december(newsroom, clock)
    reply = chat.as_member("wangwu").says("排行")
    assert "排行 2026" in reply, reply


def test_积分_in_january_before_anything_is_published_points_to_last_year(newsroom: Runtime,
                                                                     clock: FrozenClock) -> None:
    """On 4 January a correspondent types 「积分」 to see the points the office will pay for last year: the
    answer is 「2027年您还没有刊发的稿件。」, with no word that last year's are 「积分 2026」."""
    chat = published_last_december(newsroom, clock)
    reply = chat.as_member("zhangsan").says("积分")
    assert "积分 2026" in reply, reply


def test_bare_导出_in_january_gives_the_year_just_closed_as_导出_总结_does(newsroom: Runtime,
                                                                       clock: FrozenClock) -> None:
    """On 4 January the admin types 「导出」 for the year's settlement, as the year-end post suggests. 「导出 总结」
    (and the year-end post) take the year just closed, but bare 「导出」 queues 「2027年用稿奖励表」: a file with
    four days and no article, while 2026's articles are what is to be paid."""
    chat = published_last_december(newsroom, clock)
    admin = chat.as_member("admin")
    assert "2026年度宣传工作总结" in admin.says("导出 总结")
    reply = admin.says("导出")
    assert "2026年用稿奖励表" in reply, reply


def test_a_publication_recorded_in_january_without_a_day_says_it_counts_in_the_new_year(newsroom: Runtime,
                                                                                       clock: FrozenClock) -> None:
    """An article that appeared on 30 December is recorded on 3 January with the link only (the day forgotten).
    It is counted on 3 January 2027, outside the 2026 settlement and ranking, and the reply says only 「已登记…
    刊发，积分 +3」: nothing tells the member which day and year it was counted in, or to add 「12月30日」."""
    chat = ChatDriver(newsroom)
    at(clock, 2026, 12, 28)
    number = approved_draft(chat)
    at(clock, 2027, 1, 3)
    reply = chat.as_member("zhangsan").says(f"刊发 #{number} 韶关日报 https://www.sgrb.example/1.html")
    assert "2026年积分" not in chat.as_member("zhangsan").says("积分 2026")
    assert "2027" in reply or "1月3日" in reply or "12月30日" in reply, reply


def test_a_late_record_of_an_earlier_publication_says_the_points_moved_between_quarters(newsroom: Runtime,
                                                                                   clock: FrozenClock) -> None:
    """多方采用按最高计. A draft appeared in 韶关日报 on 30 December and in 南方网 on 4 January; 南方网 was recorded
    first (5 points in 2027). On 6 January the editor records the 韶关日报 print of 12月30日: 3 points move into
    the 2026 ranking (评选) and out of 2027. The reply and the group's 用稿反馈 said 「本次不加分」; they say the
    move now."""
    chat = ChatDriver(newsroom)
    _, reply = print_recorded_late(chat, clock, (2026, 12, 20), (2027, 1, 4), (2027, 1, 6), "12月30日")
    assert "2026年积分：3" in chat.as_member("zhangsan").says("积分 2026")
    assert "2027年积分：2" in chat.as_member("zhangsan").says("积分 2027")
    post = group_posts(newsroom)[-1]
    assert "积分按刊发日期调整：2026年第4季度 +3 分，2027年第1季度 -3 分（本稿累计 5 分" in reply, reply
    assert ("> 积分：本稿累计 5 分（按刊发日期调整：2026年第4季度 +3 分，2027年第1季度 -3 分，多方采用按最高计）"
            in post), post
    assert "不加分" not in reply + post
