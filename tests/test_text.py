"""Property tests of the text rules: the normaliser, draft numbers, paging."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.text import command_line, one_line, paginate, parse_draft_number, small_number, to_half_width, word_count

FULL_WIDTH_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF5F))


@given(st.text())
@example("投稿 标题\n\n　　第一段。\n　　第二段。\n")  # an indented first paragraph
@example("\n\r0")  # a carriage return is a line break in the article too
def test_q06_command_line_never_fails_and_keeps_offsets_aligned(text: str) -> None:
    line, raw, body = command_line(text)
    assert len(line) == len(raw)
    assert line == to_half_width(raw)
    assert "\n" not in line
    assert raw == one_line(raw)  # what the command acts on is what the member sees
    # Only the blank lines before the article and the blanks after it go: the first line keeps its indent.
    kept = text.partition("\n")[2].replace("\r\n", "\n").replace("\r", "\n").rstrip()
    dropped = kept.removesuffix(body)
    assert kept.endswith(body) and not dropped.strip() and (not dropped or dropped.endswith("\n"))


@given(FULL_WIDTH_TEXT)
@example("\u3000ＡＢ　１２＃～！")  # the ideographic space and both ends of the range, always
def test_q06_half_width_leaves_no_full_width_ascii(text: str) -> None:
    converted = to_half_width(text)
    assert not any(0xFF01 <= ord(ch) <= 0xFF5E or ch == "\u3000" for ch in converted)
    assert len(converted) == len(text)
    assert to_half_width("\u3000！～") == " !~"


@given(st.integers(min_value=0, max_value=999_999_999))
def test_draft_numbers_in_every_spelling(number: int) -> None:
    assert parse_draft_number(str(number)) == number
    assert parse_draft_number(f"#{number}") == number
    assert parse_draft_number(to_half_width(f"＃{number}".translate({ord(d): ord(d) + 0xFEE0
                                                                    for d in "0123456789"}))) == number


@given(st.text())
def test_draft_number_parser_rejects_or_returns_an_int(token: str) -> None:
    result = parse_draft_number(token)
    assert result is None or isinstance(result, int)


@given(st.text(), st.integers(min_value=8, max_value=300))
def test_paginate_keeps_every_character_within_the_limit(text: str, limit: int) -> None:
    pages = paginate(text, limit)
    assert all(len(page.encode()) <= limit for page in pages)
    assert "".join(pages).replace("\n", "") == text.replace("\n", "")


def test_word_count_ignores_blanks() -> None:
    assert word_count("乐昌 国土\n局　开展") == 7


@given(st.text())
@example("乐昌\u200b宣传\r\u2028\x85\t\x01标题\u3000")
@example("#2\u200d1 中\u200d\u200da 👩\u200d🚒 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f")
def test_q06_one_line_keeps_only_what_shows_and_no_line_break(text: str) -> None:
    def joiner(char: str) -> bool:
        return char in "\u200c\u200d" or "\U000e0020" <= char <= "\U000e007f"

    line = one_line(text)
    assert not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in line)
    for at, char in enumerate(line):  # format characters only inside emoji: between characters not ASCII
        if unicodedata.category(char) == "Cf":
            left = next((c for c in reversed(line[:at]) if not joiner(c)), "")
            right = next((c for c in line[at + 1:] if not joiner(c)), "")
            assert joiner(char) and left and not left.isascii() and not (right and right.isascii()), (line, at)
    assert one_line(line) == line
    assert one_line("乐昌\u200b宣传\r标题\u3000") == "乐昌宣传 标题\u3000"  # the typed ideographic space stays
    assert one_line("致敬最美👩\u200d🚒女消防员") == "致敬最美👩\u200d🚒女消防员"  # an emoji's joiner stays
    assert one_line("#2\u200d1") == "#21"


def test_pages_hold_something_and_keep_a_subdivision_flag_whole() -> None:
    from bot.text import paginate

    assert paginate("甲" * 10 + "\n", 30) == ["甲" * 10]  # a closing line break after a full page is no page
    assert paginate("中文", 2) == ["中", "文"]  # a page smaller than a character still ends
    england = "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"
    for page in paginate("a" * 10 + england * 3, 40):
        assert page.count("\U0001F3F4") * 6 == sum(0xE0020 <= ord(c) <= 0xE007F for c in page)


@pytest.mark.parametrize(("written", "number"), [("12", 12), ("三", 3), ("十", 10), ("十二", 12), ("二十", 20),
                                                 ("二十一", 21), ("两", 2), ("一百零五", 105), ("一百二十", 120)])
def test_small_numbers_in_chinese_numerals(written: str, number: int) -> None:
    assert small_number(written) == number
