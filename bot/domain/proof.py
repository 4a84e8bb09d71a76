"""Where a publication can be seen, its proof in the reward settlement: the article's link, its page in print
(报纸版面 第3版, 期刊 第5期) for an outlet's print edition that has no link, or both."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.errors import UsageError
from bot.domain.links import check_url
from models import Submission

PAGE = re.compile(r"第?[A-Za-z]?\d{1,3}版|第[一二三四五六七八九十]{1,3}版|(?:\d{4}年)?第\d{1,3}期")
_FIRST_PAGE = re.compile(r"第?[A-Za-z]?0*1版|第一版")


@dataclass(frozen=True)
class Proof:
    url: str | None = None
    page: str | None = None  # as written: 第3版, A3版, 2026年第5期
    front_page: bool = False  # 头版: said, or the page is the first

    def checked(self) -> Proof:
        """The proof as it is recorded: a usable link, and 头版 when the page is the first."""
        if self.url is None and self.page is None and not self.front_page:
            raise UsageError("请写文章链接；报纸、期刊没有网络链接的，写版面或期号，例如 第3版、A2版、第5期。")
        url = None if self.url is None else check_url(self.url)
        first = self.page is not None and _FIRST_PAGE.fullmatch(self.page) is not None
        return Proof(url, self.page, self.front_page or first)


def where_seen(publication: Submission) -> str:
    """Its proof in words: 「https://… 第3版」, 「第3版」, or 「头版」 for a front page known by nothing else."""
    url, page = publication.url, publication.page or ("头版" if publication.front_page and not publication.url else "")
    return " ".join(part for part in (url, page) if part)
