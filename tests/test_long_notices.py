"""A notice longer than WeCom shows of a text message (2048 bytes) keeps its end, where the command to send is."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.outbox import WECOM_TEXT_BYTES, within_a_message
from tests.conftest import ChatDriver


def test_an_authors_return_notice_with_the_longest_comment_keeps_the_command_to_send(chat: ChatDriver) -> None:
    """An approver returns a draft with a title of 100 characters, revised by its editor, with a comment of 500
    (the most allowed, a few emoji in it): the author's notice came to over 2048 bytes, and WeCom cut its
    end — 「修改后请发送「修改 #1」…」, the one thing the author must do. Expected: the comment loses its
    middle (it is whole in 稿件 #1), the command stays."""
    title = "乐昌" * 50
    chat.as_member("zhangsan").says(f"投稿 {title}\n今天上午，活动在坪石镇举行。")
    chat.as_member("lisi").says("修改 #1\n5月12日上午，活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    comment = "第二段的数据请再核实👍" * 50  # an emoji takes 4 bytes
    assert "已将稿件 #1 退回" in chat.as_member("wangwu").says(f"退回 #1 {comment[:500]}")
    notice = [m for m in chat.outbox() if m.recipient == "zhangsan"][-1].payload["text"]["content"]
    assert len(notice.encode()) <= WECOM_TEXT_BYTES
    assert notice.endswith("在它上面修改，修改后请发送「修改 #1」，换行写完整正文。"), notice[-80:]
    assert notice.startswith(f"您的稿件 #1《{title}》被 王五 退回，意见：第二段") and "……" in notice


def test_a_notice_within_the_limit_is_as_written() -> None:
    text = "稿件 #1 已批准。\n" * 10
    assert within_a_message(text) == text


@given(st.lists(st.text(max_size=900), min_size=1, max_size=12))
def test_any_notice_fits_and_keeps_its_last_line_when_a_longer_one_can_give_way(lines: list[str]) -> None:
    text, fitted = "\n".join(lines), within_a_message("\n".join(lines))
    assert len(fitted.encode()) <= WECOM_TEXT_BYTES
    if len(text.encode()) <= WECOM_TEXT_BYTES:
        assert fitted == text
        return
    sizes = [len(line.encode()) for line in lines]
    longest = sizes.index(max(sizes))
    if longest != len(lines) - 1 and len(text.encode()) - sizes[longest] + len("……".encode()) <= WECOM_TEXT_BYTES:
        assert fitted.endswith(lines[-1])  # the command at the end survives when another line can give way
