"""What a message that is no command likely meant."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.domain import drafts
from bot.quoting import drafts_in_words, quoted_draft
from bot.router import Router
from bot.text import command_line
from models import Draft


def unknown_command_hint(text: str, router: Router, quoted: str = "", returned: Sequence[Draft] = (),
                         writes: bool = True, recent: Draft | None = None, reviewing: Sequence[Draft] = ()) -> str:
    """What to send instead; `returned`, the member's drafts returned to them, which their words may be about
    (「已改」, the corrected text pasted without 「修改 #1」); `writes`, whether they may 投稿; `recent`, the
    draft they submitted just now, whose next paragraph Enter may have sent alone; `reviewing`, the drafts waiting
    for this approver, whose 退回 button asked for a reason now typed alone."""
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
    to_revise += _to_return(raw, reviewing)
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


def _to_return(words: str, reviewing: Sequence[Draft]) -> str:
    """The reason for a 退回 typed alone, as the command to send: never acted on, a guess it is not."""
    if not reviewing:
        return ""
    reason = words if len(words) <= _REASON_SHOWN else "原因"
    if len(reviewing) == 1:
        draft = reviewing[0]
        return (f"如果这是稿件 {draft.number}《{draft.title}》的退回原因，请发送「退回 {draft.number} {reason}」；"
                f"同意请发送「批准 {draft.number}」。")
    numbers = "、".join(d.number for d in reviewing[:5])
    return (f"待您审核的稿件有 {len(reviewing)} 篇（{numbers}）：退回请写明编号，"
            f"例如「退回 {reviewing[0].number} {reason}」。")


_REASON_SHOWN = 60  # a longer reason is better copied from the message than from the hint
_SENTENCE_MARKS = re.compile("[，。；！？]")  # a short message that reads as a sentence of an article
ARTICLE_LIKE_CHARS = 40  # a message this long that is no command is most likely an article's text
