"""Text rules shared by commands and replies: normalisation, 字数, WeCom's 2048-byte limit."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# Full-width ASCII forms (！ to ～) and the ideographic space map one-to-one onto half-width,
# so positions in the normalised line are positions in the raw line.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_LEADING_MENTION = re.compile(r"\s*(?:@\S+\s+)*")  # "@张三 @审稿机器人 批准" → "批准"
_DRAFT_NUMBER = re.compile(r"#?([0-9]{1,100})(?![0-9])")
QUOTED_NUMBER = re.compile(r"#([0-9]{1,100})(?![0-9])")  # a draft named anywhere in a text, as in 「稿件 #12 已批准」
_BLANKS = re.compile(r"\s+")
USERID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-@.]{0,63}")  # a WeCom account (成员 UserID): 1–64 of these
_HIDDEN = ("Cc", "Cf", "Cs")  # control, format (zero-width space, direction marks) and lone surrogates
# Joiners and tags inside emoji (👩‍🚒 is 👩, U+200D, 🚒; a subdivision flag ends in tags) are kept between
# characters that are not ASCII, where they cannot split a number.
_JOINERS = re.compile("[\u200c\u200d\U000e0020-\U000e007f]")
_LOOSE_JOINERS = re.compile(f"(?<![^\\x00-\\x7f]){_JOINERS.pattern}+|{_JOINERS.pattern}+(?![^\\x00-\\x7f]|$)")
_OTHER_BLANKS = re.compile(r"[^\S \u3000]")  # \t, \r, \n, U+0085, U+2028…; not the ideographic space of a title
_LEADING_BLANK_LINES = re.compile(r"\A(?:[^\S\n]*\n)+")
_FIELD_VALUE = re.compile(r"(\w+)[=＝](.*?)(?=\s+\w+[=＝]|$)", re.DOTALL)  # 字段=值, 字段＝值 too
# `#12` anywhere-glued, or a bare `12` standing alone ("12点前发" is a comment, not draft 12).
_LEADING_NUMBER = re.compile(r"(?:#\s*([0-9]{1,100})(?![0-9])|([0-9]{1,100})(?=$|[\s,，:：;；、。]))[\s,，:：;；、]*")

# A day: 2026-12-30, 12-30, 12月30日, 12月30号, 2026年12月30日 (groups: year, month, day).
DAY = re.compile(r"(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})(?!\d)[日号]?")

# A web address in a message: up to a blank, a quote, a closing bracket or Chinese punctuation.
URL = re.compile(r"https?://[^\s<>\"'“”‘’「」『』【】（）()《》\[\]，。；！？、]*")

WECOM_TEXT_LIMIT = 2048
# The bot's own words pasted back as an article: the first line of 「稿件 #1 全文」 (handlers.drafts) and a
# page's footer (bot.paging).
COPIED_HEADING = re.compile(r"#[0-9]+《[^\n]*》v[0-9]+（[^\n]*字）\n")
COPIED_FOOTER = re.compile(r"（第 [0-9]+/[0-9]+ 页，(?:已全部显示|发送「更多」看下一页)）")
# …and the lines above a later page: what it goes on answering, and how old it is.
COPIED_PAGE_LINES = re.compile(r"^(?:（续「.*」）|（[0-9]+ 小时前的回复，状态以当时为准）)[ \t]*(?:\n|$)", re.MULTILINE)
# Characters XML 1.0 cannot carry at all (replies, .docx files).
# …and line breaks other than \n: Windows' \r\n, an old Mac's \r, Word's Shift+Enter (\v), a page break (\f), NEL and
# Unicode's line and paragraph separators (a web page or a phone's paste).
_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def to_half_width(text: str) -> str:
    return text.translate(_HALF_WIDTH)


def command_line(text: str) -> tuple[str, str, str]:
    """Split a message into (normalised first line, raw first line, body).

    Only the first line is normalised (@-mention removed, full-width forms made half-width,
    blanks trimmed): the body is the article and keeps its Chinese punctuation untouched.
    Both lines have the same length, so an offset into one is an offset into the other.
    """
    first, _, body = text.partition("\n")
    first = one_line(first)
    normalised = to_half_width(first)
    start = _LEADING_MENTION.match(normalised)
    offset = start.end() if start else 0
    return normalised[offset:].rstrip(), first[offset:].rstrip(), article(body)


def one_line(text: str) -> str:
    """`text` read as it looks: control and format characters (zero-width spaces, direction marks) dropped,
    other blanks and line breaks made spaces. For command lines, quotes, titles and names: a hidden character
    must neither change what a command acts on (「#2\u200b1」 shows as #21) nor break an e-mail or a report."""
    visible = "".join(char for char in text if char.isspace() or unicodedata.category(char) not in _HIDDEN
                      or _JOINERS.fullmatch(char))
    return _OTHER_BLANKS.sub(" ", xml_safe(_LOOSE_JOINERS.sub("", visible)))


def article(text: str) -> str:
    """An article's text as typed, less the blank lines around it: the first paragraph keeps its indent
    (首行缩进, two full-width spaces) like the others. Lines end in \n, as a Windows file's \r\n too."""
    return _LEADING_BLANK_LINES.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).rstrip()


def parse_draft_number(token: str) -> int | None:
    """`#12`, `12` (full-width forms already normalised) → 12; anything else → None."""
    match = _DRAFT_NUMBER.fullmatch(token.strip())
    return int(match.group(1)) if match else None


def leading_draft_number(text: str) -> tuple[int, int] | None:
    """`#12，同意` → (12, 3): the number and where the rest begins (after blanks and a separator)."""
    match = _LEADING_NUMBER.match(text)
    return (int(match.group(1) or match.group(2)), match.end()) if match else None


_MARKDOWN_ACTIVE = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "*": "＊", "`": "｀"})


def without_links(text: str) -> str:
    """`text` with each web address blanked out, same length: a link's #fragment names no draft."""
    return URL.sub(lambda link: " " * len(link.group()), text)


def markdown_plain(text: str) -> str:
    """Members' text inside a markdown message: it can make no link, tag, quote, bold or code (those brackets,
    asterisks and backquotes become full-width), so a title cannot put a link of its own into the bot's post, nor
    lose its 「**」 to a bold word."""
    return text.translate(_MARKDOWN_ACTIVE)


def meaningful(text: str) -> str:
    """A comment worth passing on: "" when it is only blanks and punctuation (「退回 #3 。」 says nothing)."""
    text = text.strip().lstrip(":：,，;；、。").strip()
    return text if any(unicodedata.category(c)[0] in "LN" for c in text) else ""


def month_name(day: date) -> str:
    """「2026年5月」: months and days as official writing gives them, without leading zeros."""
    return f"{day.year}年{day.month}月"


def day_name(day: date) -> str:
    """「5月8日」."""
    return f"{day.month}月{day.day}日"


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def small_number(text: str) -> int:
    """`12` or `十二`, `三`, `二十一`, `一百零五` (Chinese numerals below a thousand) → the number."""
    if text.isdigit():
        return int(text)
    total = current = 0
    for char in text:
        if char in _DIGITS:
            current = _DIGITS[char]
        else:  # 十 or 百: 十二 is 12, 二十 is 20
            total += (current or 1) * (10 if char == "十" else 100)
            current = 0
    return total + current


def xml_safe(text: str) -> str:
    """`text` without the characters XML cannot carry, its line breaks \n: a vertical tab (Word's manual line
    break, Shift+Enter), a form feed (a page break in a .txt), \r, NEL, U+2028 and U+2029 end a line as \n does,
    so a title's line is the title and the lines either side are not glued together in the outlet's e-mail."""
    return _XML_ILLEGAL.sub("", _BREAKS.sub("\n", text))


def field_values(text: str) -> dict[str, str]:
    """`hour=16 place=二楼 会议室` → {"hour": "16", "place": "二楼 会议室"}: values may contain spaces."""
    return {field: value.strip() for field, value in _FIELD_VALUE.findall(text)}


def word_count(text: str) -> int:
    """字数 as editors count it: every character except blanks."""
    return len(_BLANKS.sub("", text))


def paginate(text: str, limit: int) -> list[str]:
    """Split `text` into pages of at most `limit` UTF-8 bytes, at line breaks where possible. A line longer than
    a page (a whole article pasted as one paragraph) fills the page it starts on, then whole pages."""
    pages: list[str] = []
    current = ""
    for line in text.split("\n"):
        joined = f"{current}\n{line}" if current else line
        if len(joined.encode()) <= limit:
            current = joined
        elif len(line.encode()) <= limit:  # it fits a page of its own
            pages.append(current)
            current = line
        else:
            while len(joined.encode()) > limit:
                head = _cut(joined, limit)
                pages.append(head.removesuffix("\n"))
                joined = joined[len(head):].removeprefix("\n")
            current = joined
    pages.append(current)
    while len(pages) > 1 and not pages[-1]:  # a closing line break after a full page is no page
        pages.pop()
    return pages


def _cut(text: str, limit: int) -> str:
    """The longest head of `text` within `limit` bytes that splits no character as the reader sees it: an
    emoji joined by U+200D (👩‍🚒), a flag's two regional indicators (🇨🇳), a mark or variation selector."""
    most = end = max(1, len(text.encode()[:limit].decode("utf-8", "ignore")))  # a page holds one at least
    while 0 < end < len(text) and most - end < 16 and _inside_character(text, end):  # 16: one character's reach
        end -= 1
    return text[:end] if 0 < end < len(text) and not _inside_character(text, end) else text[:most]


def _inside_character(text: str, i: int) -> bool:
    """Whether a cut before text[i] falls inside one character as the reader sees it."""
    after, before = text[i], text[i - 1]
    if before == "\u200d" or after == "\u200d" or unicodedata.category(after) in ("Mn", "Me", "Mc"):
        return True
    if after in "\ufe0e\ufe0f" or "\U0001f3fb" <= after <= "\U0001f3ff":  # variation selector, skin tone
        return True
    if "\U000e0020" <= after <= "\U000e007f":  # the tags of a subdivision flag (🏴 England)
        return True
    indicators = 0  # a flag is two regional indicators: a cut after an odd number of them splits one
    while i - indicators > 0 and _REGIONAL[0] <= text[i - indicators - 1] <= _REGIONAL[1]:
        indicators += 1
    return indicators % 2 == 1 and _REGIONAL[0] <= after <= _REGIONAL[1]


_REGIONAL = ("\U0001f1e6", "\U0001f1ff")
