"""Arguments every command that names a draft shares: its number, first and alone."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.domain.errors import UsageError
from bot.router import Command
from bot.text import leading_draft_number, to_half_width, without_links

_GLUED_NUMBER = re.compile(r"#?\s*(?:-\s*[0-9]|[0-9]+(?:[A-Za-z_]|[./\-][0-9]))\S*")  # 「#2abc」「1.5」「12/13」「#-1」
# 「批准 1、2」「批准 #2,3」「撤回 1 2」: nothing but numbers after the first. 「退回 #12 3 处数据不对」 and
# 「批准 #12 2026 年度重点稿」 are comments.
_MORE_NUMBERS = re.compile(r"[0-9]+(?:[,，、;；\s]+#?[0-9]+)*[,，、;；。.\s]*")
_MENTIONS = re.compile(r"(?:^|\s)[@＠]\S+")
_LATER_NUMBER = re.compile(r"#\s*([0-9]{1,100})(?![0-9])")  # 「和 #2」「保留 # 1」


def take_number(command: Command, word: str, *, acts: bool = True, alone: bool = False) -> tuple[int, Command]:
    """`#12，同意…` → 12 and the command with the rest as its arguments (raw: as typed).

    A command that acts takes exactly one well-formed number: 「批准 1、2」 or 「撤回 #2abc」 never act on the
    first number and take the rest for a comment. 「稿件 #12 2」 only reads (version 2)."""
    malformed = _GLUED_NUMBER.match(command.args) if acts else None
    if malformed is not None:
        raise UsageError(f"稿件编号只写数字，无法识别「{malformed.group().strip()}」。例如：{word} #12")
    found = leading_draft_number(command.args)
    if found is None:
        later = later_number(command.args)  # 「投递 韶关日报 #3」: nothing is done with a number out of place
        if later is not None:
            start, end = later.span()
            words = "" if alone else (command.raw_args[:start] + command.raw_args[end:]).strip()
            raise UsageError(f"稿件编号要紧跟在「{word}」后面，这条没有执行。"
                             f"请发送：{word} #{later.group(1)} {words}".rstrip())
        raise UsageError(f"请写稿件编号，例如：{word} #12")
    number, end = found
    rest = replace(command, args=command.args[end:].strip(), raw_args=command.raw_args[end:].strip())
    more = rest.args.startswith("#") or (acts and _MORE_NUMBERS.fullmatch(rest.args) is not None)
    other = leading_draft_number(rest.args) if more else None
    if other is not None and other[0] != number:
        raise one_number_only(word, number, other[0])
    return number, rest


def draft_number(command: Command, word: str) -> int:
    """A command that takes nothing but the number on its line: 「撤回 #1 和 #2」 names a second draft anywhere
    after it, and any other words do nothing (「撤回 #1 不对，先不撤」 must not withdraw)."""
    number, rest = take_number(command, word, alone=True)
    _nothing_else(word, number, rest, text_below=False)
    return number


def draft_number_and_text(command: Command, word: str) -> tuple[int, str]:
    """`续稿 #12` ⏎ the text; on a phone, where Enter sends, on one line after a colon: 「续稿 #12：正文…」. Other
    words after the number do nothing: 「续稿 #1 第一句…」 would lose the sentence."""
    number, rest = take_number(command, word, alone=True)
    if rest.args and ":" in command.args.removesuffix(rest.args):  # 「#12：」 came before the text
        return number, f"{rest.raw_args}\n{command.body}" if command.body.strip() else rest.raw_args
    _nothing_else(word, number, rest, text_below=True)
    return number, command.body


def _nothing_else(word: str, number: int, rest: Command, text_below: bool) -> None:
    later = later_number(rest.args)
    if later is not None and int(later.group(1)) != number:
        raise one_number_only(word, number, int(later.group(1)))
    extra = _MENTIONS.sub("", rest.raw_args).strip().rstrip("。.！!")  # 「送审 #1 @王五」 in the group: 送审 #1
    if not extra:
        return
    shown = extra if len(extra) <= 20 else extra[:20] + "…"
    if text_below:
        raise UsageError(f"「{word} #{number}」这一行只写编号，这条没有执行（多写了「{shown}」）。"
                         f"请重发：第一行「{word} #{number}」，正文从第二行写起；手机上回车就发送的，"
                         f"可以写成一行，编号后加冒号：{word} #{number}：正文……")
    raise UsageError(f"「{word}」后只写稿件编号，这条没有执行（多写了「{shown}」）。"
                     f"确定要{word}请发送：{word} #{number}")


def later_number(text: str) -> re.Match[str] | None:
    """A draft number anywhere in `text` (links aside): 「同意发布 #12」「和 # 2」「，＃2」; its span is the same
    in the raw arguments."""
    return _LATER_NUMBER.search(to_half_width(without_links(text)))


def one_number_only(word: str, number: int, other: int) -> UsageError:
    """Two drafts in one command: nothing is done, and neither is assumed (「撤回 #2 重复了，保留 #1」 must not lead
    to withdrawing #1)."""
    return UsageError(f"一条命令只能写一个稿件编号（这条写了 #{number} 和 #{other}），没有执行。"
                      f"请重发，只写一个编号，例如「{word} #{number}」。")
