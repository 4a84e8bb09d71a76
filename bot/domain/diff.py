"""A readable diff of two versions for chat: changed paragraphs with character-level marks.

Chinese has no spaces between words, so inside a paragraph the diff works on characters.
"""

from __future__ import annotations

from difflib import SequenceMatcher

_CONTEXT = 12  # unchanged characters kept on each side of a change
_SIMILAR = 0.5  # paragraphs less alike than this are shown as removed and added


def version_diff(old: str, new: str) -> list[str]:
    """One line per changed paragraph: `第3段：…〔删：上午〕〔增：下午〕…`, `＋ 第4段：…`, `－ 第2段：…`."""
    a, b = old.splitlines(), new.splitlines()
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
    parts: list[str] = []
    opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            parts.append(_shorten(old[i1:i2], first=index == 0, last=index == len(opcodes) - 1))
            continue
        if i2 > i1:
            parts.append(f"〔删：{old[i1:i2]}〕")
        if j2 > j1:
            parts.append(f"〔增：{new[j1:j2]}〕")
    return "".join(parts)


def _shorten(same: str, first: bool, last: bool) -> str:
    """Keep only the context next to the changes of a long unchanged run."""
    keep_head = 0 if first else _CONTEXT
    keep_tail = 0 if last else _CONTEXT
    if len(same) <= keep_head + keep_tail + 1:
        return same
    return same[:keep_head] + "…" + (same[-keep_tail:] if keep_tail else "")
