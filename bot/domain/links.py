"""Links to published articles: whether one is usable, the key two links of one article share, and the form a
markdown link can carry."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote, unquote, urlsplit

from bot.domain.errors import UsageError

URL_MAX = 1000


def link_key(url: str) -> str:
    """What two links of one article share: the scheme, the host's case or Chinese spelling, a default port, a
    trailing slash, percent-encoding and a #fragment (not a hash route, #/… or #!…) make no difference."""
    return hashlib.sha256(_same_article(url).encode()).hexdigest()  # a fixed length, however the link is written


def _same_article(url: str) -> str:
    parts = urlsplit(url)
    try:
        host = _ascii_host(parts.hostname or "") + ("" if parts.port in (None, 80, 443) else f":{parts.port}")
    except ValueError:  # a port that is no number: the host as written
        host = parts.netloc.lower()
    fragment = parts.fragment if parts.fragment.startswith(("/", "!")) else ""
    path, query = (quote(unquote(part), safe=_URL_SAFE) for part in (parts.path.rstrip("/"), parts.query))
    return host + path + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")


_URL_SAFE = "/?=&;:@!$'()*+,~"  # kept as they are; anything else is percent-encoded, %e6 and 新 alike as %E6


def _ascii_host(host: str) -> str:
    """乐昌.政务.cn as xn--….xn--….cn, the form a browser may copy instead."""
    try:
        return host.encode("idna").decode()
    except UnicodeError:
        return host


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if len(url.encode()) > URL_MAX:  # bytes: 用稿反馈 holds the title and the link in one group message
        raise UsageError(f"链接太长（{len(url.encode())} 字节，最多 {URL_MAX}；中文每字算 3 字节）。"
                         "请粘贴文章页面的地址，去掉“?”后的跟踪参数。")
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise UsageError(f"「{url[:60]}」不是有效的文章链接。请粘贴以 http:// 或 https:// 开头的完整地址。")
    if not _HOST.fullmatch(parts.hostname):  # 「https://…」, the help's example copied as it stands
        raise UsageError(f"「{url[:60]}」不是文章的网址（「{parts.hostname}」不是网站名）。"
                         "请在媒体网页上复制文章的完整地址，例如 https://www.sgrb.com/2026/0512/123.html")
    return url


_HOST = re.compile(r"(?:[\w-]+\.)+[\w-]+")  # any script's letters: 乐昌.政务.cn


def href(url: str) -> str:
    """The link as a markdown target: a bracket in it cannot end the link and start one of its own."""
    return url.translate(_HREF_ESCAPES)


_HREF_ESCAPES = str.maketrans({"(": "%28", ")": "%29", "[": "%5B", "]": "%5D", "<": "%3C", ">": "%3E"})
