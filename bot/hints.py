"""What a message that is no command likely meant, and which draft a quoted message names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.domain import drafts
from bot.domain.errors import UserError
from bot.router import Command, Router
from bot.text import (
    QUOTED_NUMBER,
    command_line,
    leading_draft_number,
    one_line,
    small_number,
    to_half_width,
    without_links,
)
from models import Draft

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


def unknown_command_hint(text: str, router: Router, quoted: str = "", returned: Sequence[Draft] = (),
                         writes: bool = True, recent: Draft | None = None) -> str:
    """What to send instead; `returned`, the member's drafts returned to them, which their words may be about
    (「已改」, the corrected text pasted without 「修改 #1」); `writes`, whether they may 投稿; `recent`, the
    draft they submitted just now, whose next paragraph Enter may have sent alone."""
    line, raw, _ = command_line(text)
    if not line:
        return "请输入命令，例如「稿件」。发送「帮助」查看全部命令。"
    shown = raw if len(raw) <= 20 else raw[:20] + "…"  # as typed
    meant = router.suggestion(line)
    if meant is not None:
        number = None if "#" in meant or drafts_in_words(line) else quoted_draft(quoted)
        if number is not None and router.takes_number(meant):  # 「同意」 quoting #3's notice: 「批准 #3」
            meant = f"{meant.split(' ', 1)[0]} #{number}"
        meant = meant if len(meant) <= 40 else meant[:40] + "…"
        return f"未能识别「{shown}」。您是要发送「{meant}」吗？请照此格式重发；发送「帮助」查看可用命令。"
    head, _, below = text.strip().partition("\n")
    title = head.strip() if len(head.strip()) <= drafts.TITLE_LIKE_CHARS and below.strip() else ""
    revised = next((draft for draft in returned if draft.title == title), None)  # its title on the first line
    to_revise = ""
    if revised is not None or len(returned) == 1:
        draft = revised or returned[0]
        to_revise = (f"您的稿件 {draft.number}《{draft.title}》已退回待修改：发送「稿件 {draft.number}」看退回意见，"
                     f"改好后发送「修改 {draft.number}」，换行写完整正文。")
    elif returned:
        to_revise = (f"您有 {len(returned)} 篇退回待修改的稿件（{'、'.join(d.number for d in returned[:5])}）："
                     "改好后发送「修改 #编号」，换行写完整正文。")
    to_append = "给已投的稿件追加正文请发送「续稿 #编号」并换行写正文。"
    if recent is not None:
        to_append = (f"如果这是稿件 {recent.number}《{recent.title}》的后续正文，请发送「续稿 {recent.number}」，"
                     f"换行写这段（手机上可写成一行：续稿 {recent.number}：这段正文）。")
    if len(text.strip()) < ARTICLE_LIKE_CHARS:
        if recent is not None and _SENTENCE_MARKS.search(text):
            return f"未能识别「{shown}」，没有保存。{to_append}{to_revise}发送「帮助」查看可用命令。"
        return f"未能识别「{shown}」。{to_revise}发送「帮助」查看可用命令。"
    # On a phone Enter sends: 「投稿 标题」 went alone, the text after it.
    title = title or "标题"
    submit = ("" if not writes or revised is not None else
              f"投稿请发送「投稿 {title}」，换行写正文（手机上可写成一行：{drafts.one_line_form(title)}）；")
    return (f"未能识别「{shown}」，这像是稿件正文，没有保存。{submit}{to_append if submit or recent else ''}{to_revise}"
            "发送「帮助」查看可用命令。")


_SENTENCE_MARKS = re.compile("[，。；！？]")  # a short message that reads as a sentence of an article
ARTICLE_LIKE_CHARS = 40  # a message this long that is no command is most likely an article's text
