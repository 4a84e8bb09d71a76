"""A readable diff of two versions for chat: changed paragraphs with character-level marks.

Chinese has no spaces between words, so inside a paragraph the diff works on characters; tiny
unchanged islands between changes are folded into them so that 上午十点→下午三点 reads as one change.
"""

from __future__ import annotations

from difflib import SequenceMatcher

_CONTEXT = 12  # unchanged characters kept on each side of a change
_SIMILAR = 0.5  # paragraphs less alike than this are shown as removed and added
_ISLAND = 2  # unchanged runs this short between two changes become part of the change


def version_diff(old: str, new: str) -> list[str]:
    """One line per changed paragraph: `第3段：…〔删：上午〕〔增：下午〕…`, `＋ 第4段：…`, `－ 原第2段：…`.

    Paragraphs are the non-blank lines, numbered as a reader counts them.
    """
    a, b = _paragraphs(old), _paragraphs(new)
    lines: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            before, after = a[i1 + k], b[j1 + k]
            if SequenceMatcher(None, before, after, autojunk=False).ratio() >= _SIMILAR:
                lines.append(f"第{j1 + k + 1}段：{inline_diff(before, after)}")
            else:  # rewritten rather than edited: marks inside would be noise
                lines += [f"－ 原第{i1 + k + 1}段：{before}", f"＋ 第{j1 + k + 1}段：{after}"]
        lines += [f"－ 原第{i + 1}段：{a[i]}" for i in range(i1 + paired, i2)]
        lines += [f"＋ 第{j + 1}段：{b[j]}" for j in range(j1 + paired, j2)]
    return lines


def inline_diff(old: str, new: str) -> str:
    segments = _segments(old, new)
    parts: list[str] = []
    for index, (same, removed, added) in enumerate(segments):
        if same is not None:
            parts.append(_shorten(same, first=index == 0, last=index == len(segments) - 1))
            continue
        if removed:
            parts.append(f"〔删：{removed}〕")
        if added:
            parts.append(f"〔增：{added}〕")
    return "".join(parts)


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


Segment = tuple[str | None, str, str]  # (unchanged text, or None for a change; removed; added)


def _segments(old: str, new: str) -> list[Segment]:
    """Unchanged and changed runs, with short unchanged islands between changes merged into them."""
    merged: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        segment: Segment = (old[i1:i2], "", "") if tag == "equal" else (None, old[i1:i2], new[j1:j2])
        if segment[0] is None and merged and merged[-1][0] is None:
            merged[-1] = (None, merged[-1][1] + segment[1], merged[-1][2] + segment[2])
        elif (segment[0] is None and len(merged) >= 2 and merged[-1][0] is not None
              and len(merged[-1][0]) <= _ISLAND and merged[-2][0] is None):
            island = merged.pop()[0] or ""
            previous = merged.pop()
            merged.append((None, previous[1] + island + segment[1], previous[2] + island + segment[2]))
        else:
            merged.append(segment)
    return merged


def _shorten(same: str, first: bool, last: bool) -> str:
    """Keep only the context next to the changes of a long unchanged run."""
    keep_head = 0 if first else _CONTEXT
    keep_tail = 0 if last else _CONTEXT
    if len(same) <= keep_head + keep_tail + 1:
        return same
    return same[:keep_head] + "…" + (same[-keep_tail:] if keep_tail else "")
