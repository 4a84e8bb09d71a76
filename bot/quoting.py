"""Which draft a quoted message names (WeCom's 引用: a reply quoting the bot's notice of #12 is about #12), and
the drafts a message names in words (3号稿, 第三篇)."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.domain.errors import UserError
from bot.router import Command
from bot.text import QUOTED_NUMBER, leading_draft_number, one_line, small_number, to_half_width, without_links

# A draft named in words, as people write it: 3号稿件, 三号稿, 第3篇, 第三篇, 稿件3. Not a number that names
# something else: 15号前, 10号文件, 改稿3次, 已发2篇.
_NUMBER = r"([0-9]{1,9}|[零〇一二两三四五六七八九十百]{1,6})"
DRAFT_IN_WORDS = re.compile(rf"{_NUMBER}\s*号\s*稿|第\s*{_NUMBER}\s*篇"
                            r"|稿件\s*([0-9]{1,9})(?![0-9])(?!\s*[年月日号次篇字人张条份个期版])")


def drafts_in_words(text: str) -> list[tuple[str, int]]:
    """The drafts `text` names in words: (the words, the number)."""
    return [(found.group().strip(), small_number(next(filter(None, found.groups()))))
            for found in DRAFT_IN_WORDS.finditer(to_half_width(without_links(text)))]


def with_quoted_number(command: Command, quoted: str, takes_text: bool = False) -> Command:
    """A command quoting a message about #12, with no number of its own → the command on #12 (`批准` → `批准 #12`).

    A #N in the message itself wins, and so does the quoted number's own (「撤回 1」 quoting #1's notice); a bare
    number followed by words (「退回 2 处数据不对」: a count, or draft 2?) or another draft named in words stops
    the command; a quote naming several drafts names none (a bare 批准 then approves nothing). For a command whose
    text may follow a colon (`takes_text`: 「续稿：1、加强领导…」), no number is read from the text."""
    quoted_numbers = quoted_drafts(quoted)
    if "#" in without_links(command.args) or len(quoted_numbers) != 1:
        return command
    quoted_number = quoted_numbers.pop()
    typed = None if takes_text and command.colon else leading_draft_number(command.args)
    if typed is not None and (typed[0] == quoted_number or not command.args[typed[1]:].strip()):
        return command  # 「稿件 2」 quoting #1's notice reads #2, as typed
    # 「退回 2 处…」 or 「批准 3号稿件」 quoting #1's notice: the words may name another draft; neither is guessed.
    other = [str(typed[0])] if typed is not None else [words for words, named in drafts_in_words(command.args)
                                                         if named != quoted_number]
    if other:
        raise UserError(f"您引用的是稿件 #{quoted_number} 的消息，但这条写的是「{other[0]}」，没有执行。"
                        f"请写明编号重发，例如「{command.word} #{quoted_number} …」。")
    number = f"#{quoted_number}{':' if command.colon else ''}"  # 「续稿：正文」 is 「续稿 #1：正文」
    return replace(command, args=f"{number} {command.args}".strip(), raw_args=f"{number} {command.raw_args}".strip(),
                   number_quoted=True)


def quoted_draft(quoted: str) -> str | None:
    """The one draft number a quoted message names; None for none or several."""
    numbers = quoted_drafts(quoted)
    return str(numbers.pop()) if len(numbers) == 1 else None


def quoted_drafts(quoted: str) -> set[int]:
    """The drafts a quoted message names: as #12, else in words (「3号稿已改好」). A #12 wins over words, which
    may count or order something else (「荔枝系列第二篇」)."""
    # Links blanked before full-width forms go: a link ends at 「，」, which would become ",".
    numbers = {int(n) for n in QUOTED_NUMBER.findall(to_half_width(without_links(one_line(quoted))))}
    return numbers or {named for _, named in drafts_in_words(one_line(quoted))}


def draft_quoted(text: str, quoted: str) -> str | None:
    """The one draft a message quoting `quoted` is about, unless `text` names one with a # of its own (a link's
    #fragment, WeChat's 「#rd」, names none)."""
    return quoted_draft(quoted) if quoted and "#" not in without_links(text) else None
