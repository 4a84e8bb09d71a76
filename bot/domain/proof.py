"""Where a publication can be seen, its proof in the reward settlement: the article's link, its page in print
(报纸版面 第3版, 期刊 第5期) or the programme that broadcast it (电视台 《乐昌新闻》) where there is no link,
or both."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.errors import UsageError
from bot.domain.links import check_url
from models import Submission

_NUMERALS = "一二三四五六七八九十"
PAGE = re.compile(rf"第?[A-Za-z]?[0-9]{{1,3}}版|第?[{_NUMERALS}]{{1,3}}版|(?:[0-9]{{4}}年)?第[0-9]{{1,3}}期")
_FIRST_PAGE = re.compile(r"第?[Aa]?0*1版|第?一版")  # B1版 opens a later section: no front page
PROGRAMME = re.compile(r"《[^《》\s]{1,18}》")  # a broadcast's programme; its 头条 is the headline story


@dataclass(frozen=True)
class Proof:
    url: str | None = None
    page: str | None = None  # as written, in half-width digits: 第3版, A3版, 二版, 2026年第5期, 《乐昌新闻》
    front_page: bool = False  # 头版/头条: said beside a link or a programme; in print, the page is the first

    def checked(self) -> Proof:
        """The proof as it is recorded: a usable link, or a page that decides 头版 itself."""
        if self.url is None and self.page is None:
            raise UsageError("请写文章链接；报纸、期刊没有网络链接的，写版面或期号，例如 第3版、A2版、第5期"
                             "（头版写 第1版）；电视台写栏目，如《乐昌新闻》。")
        url = None if self.url is None else check_url(self.url)
        if self.page is None or PROGRAMME.fullmatch(self.page):
            return Proof(url, self.page, self.front_page)
        first = _FIRST_PAGE.fullmatch(self.page) is not None
        if self.front_page and not first:
            raise UsageError(f"「{self.page}」不是头版（头版是第1版或A1版），其他版面的头条不按头版计分。"
                             "请去掉「头版」「头条」重发。")
        return Proof(url, self.page, first)


def where_seen(publication: Submission) -> str:
    """Its proof in words: 「https://…」, 「第3版」 or 「https://… 第3版」."""
    return " ".join(part for part in (publication.url, publication.page) if part)
