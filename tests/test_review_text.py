"""Text going in and out: what a phone, Word or a web page puts in a message, and what the outlets receive."""

from __future__ import annotations

import io

import pytest
from docx import Document
from sqlalchemy import select

from bot.runtime import Runtime
from models import Draft, DraftVersion
from tests.conftest import ChatDriver, Mailbox, Sent
from tests.test_delivery import drain
from tests.test_publishing import ARTICLE, approved_draft


@pytest.mark.parametrize("separator", ["\r", "\r\n", "\u2028", "\u2029", "\x85"])
def test_a_title_line_ended_by_another_kind_of_line_break_is_the_title(separator: str, chat: ChatDriver) -> None:
    """A correspondent pastes 「标题⏎正文」 from Word, a web page or an old Mac text, where the line ends in a
    carriage return, a Unicode line or paragraph separator or NEL: the message shows the text below the title,
    yet the bot answered 「没有保存：没有正文。请在标题的下一行起写正文」, which is what they did, and the draft was
    not saved. Every line break is a line break: the draft is saved with its title and its text."""
    reply = chat.as_member("zhangsan").says(f"投稿 乐昌开展地灾演练{separator}　　5月10日上午，乐昌市开展演练。"
                                            f"{separator}　　第二段。")
    assert "已收到投稿 #1《乐昌开展地灾演练》" in reply, reply
    with chat.runtime.sessions.begin() as session:
        assert session.scalars(select(DraftVersion.text)).one() == "　　5月10日上午，乐昌市开展演练。\n　　第二段。"


def test_an_outlet_gets_the_same_lines_inline_and_in_the_docx(newsroom: Runtime, mailbox: Mailbox) -> None:
    """An article pasted from Word or a web page holds U+2028 (line separator), U+2029 (paragraph separator) or
    NEL between its lines. The .docx sent to the outlet made them paragraphs, but the e-mail's text kept them:
    mail readers show no break there (NEL is a control character), so the outlet's editor read 「…开展演练。
    来自…」 glued in the text of the very e-mail whose attachment has two paragraphs. Both have the lines."""
    lines = ["　　5月10日上午，乐昌市开展演练。", "乐昌市自然资源局供稿", "　　第二段。", "　　第三段。"]
    text = f"{ARTICLE}\n{lines[0]}\u2028{lines[1]}\u2029{lines[2]}\x85{lines[3]}"
    chat = ChatDriver(newsroom)
    number = approved_draft(chat, text=text)
    with newsroom.sessions.begin() as session:
        stored = session.scalars(select(DraftVersion.text)).one()
        assert session.get(Draft, number) is not None
    assert stored == "\n".join([ARTICLE, *lines])
    chat.as_member("lisi").says(f"投递 #{number} 韶关日报")
    drain(newsroom)
    [message] = mailbox.messages
    body = message.get_body(("plain",)).get_content()
    assert "\n".join(lines) + "\n" in body
    [attachment] = list(message.iter_attachments())
    paragraphs = [p.text for p in Document(io.BytesIO(attachment.get_content())).paragraphs]
    assert paragraphs[2:2 + len(ARTICLE.split("\n")) + len(lines)] == [*ARTICLE.split("\n"), *lines]


@pytest.mark.parametrize(("message", "title", "text"), [
    ("投稿<<乐昌开展地灾演练>>5月10日上午，乐昌市开展演练。", "乐昌开展地灾演练", "5月10日上午，乐昌市开展演练。"),
    ("投稿 ＜＜乐昌开展地灾演练＞＞\n正文。", "乐昌开展地灾演练", "正文。"),
    ("投稿 学习<<民法典>>宣传月启动\n正文。", "学习《民法典》宣传月启动", "正文。"),
], ids=["one line", "full-width", "inside"])
def test_a_title_in_double_angle_brackets_is_a_title_in_book_marks(message: str, title: str, text: str,
                                                                   chat: ChatDriver) -> None:
    """A phone keyboard without 《》: the correspondent types <<标题>> (or ＜＜＞＞). On one line, 「投稿<<标题>>正文」
    was refused as having no text, with a hint to send 「投稿《<<标题>>正文……》正文……」, which would have put the
    whole article in the title; on its own line the title kept its brackets, so the reply read 《<<标题>>》 and
    every outlet's Subject, .docx heading and the group's 用稿反馈 carried 「<<标题>>」. They are 《》."""
    reply = chat.as_member("zhangsan").says(message)
    assert f"已收到投稿 #1《{title}》" in reply, reply
    with chat.runtime.sessions.begin() as session:
        assert session.scalars(select(DraftVersion.text)).one() == text


def test_a_title_with_asterisks_or_backquotes_shows_as_written_in_the_group(newsroom: Runtime, sent: Sent) -> None:
    """A title 「乐昌开展**黄圃**演练 `2026`」 is published: the group's 用稿反馈 is markdown, which made 黄圃 bold and
    2026 code, and the asterisks and backquotes were gone: the group read another title than the draft's. Members'
    words make no formatting in the bot's posts, as they make no links: the marks show (full-width)."""
    chat = ChatDriver(newsroom)
    number = approved_draft(chat, title="乐昌开展**黄圃**演练 `2026`")
    chat.as_member("zhangsan").says(f"刊发 #{number} 南方网 https://news.southcn.example/a.html")
    drain(newsroom)
    [feedback] = [line for line in sent.lines if "用稿反馈" in line]
    assert feedback.count("**") == 2  # the post's own heading, 「**用稿反馈**」
    assert "《乐昌开展＊＊黄圃＊＊演练 ｀2026｀》" in feedback


def test_a_theme_days_name_makes_no_link_in_its_bold_heading(chat: ChatDriver) -> None:
    """The bold heading of a group post (「**世界地球日征稿**」) stays bold, and a name in it still makes no link."""
    from bot import outbox

    with chat.runtime.sessions.begin() as session:
        outbox.to_group(session, "t", ["**[点我](http://evil.example)征稿**：4月22日", "**粗**体"],
                        chat.runtime.clock())
    [post] = [m.payload["markdown"]["content"] for m in chat.outbox() if m.channel == "group"]
    assert post == "**［点我］(http://evil.example)征稿**：4月22日\n**粗**体"
