"""The files the office keeps and hands upward (审批表, 用稿奖励表, 统计表, the outlets' attachments), read as the
office's director and an auditor would (found by a review of the files)."""

from __future__ import annotations

import io
import struct
import zlib

from docx import Document

from bot.runtime import Runtime
from tests.conftest import ChatDriver, Mailbox
from tests.test_delivery import drain
from tests.test_publishing import approved_draft, attach_original


def png(shade: int) -> bytes:
    """A 1×1 PNG of one grey: each shade a different photo."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes([0, shade]))) + chunk(b"IEND", b""))


def test_the_outlets_get_the_photos_in_the_order_of_the_article_and_not_the_letterhead_logo(
        newsroom: Runtime, mailbox: Mailbox) -> None:
    """张三's Word file has the bureau's logo in its page header and two photos, each with its caption below it;
    he put the second photo in first and then inserted another above it. The outlet got 图1 = the logo, 图2 = the
    photo standing second, 图3 = the one standing first: the captions 「图为…」 fit none of them (Word numbers the
    files in word/media by when they were inserted, not where they stand). The outlet should get the article's
    photos in the order they stand, the first as 图1, and no page-header logo."""
    document = Document()
    document.sections[0].header.paragraphs[0].add_run().add_picture(io.BytesIO(png(1)))  # the letterhead's logo
    document.add_paragraph("正文第一段。")
    first = document.add_paragraph()
    document.add_paragraph("图为第一张。")
    second = document.add_paragraph()
    document.add_paragraph("图为第二张。")
    second.add_run().add_picture(io.BytesIO(png(3)))  # inserted first (word/media/image2), standing second
    first.add_run().add_picture(io.BytesIO(png(2)))
    buffer = io.BytesIO()
    document.save(buffer)
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    attach_original(newsroom, 1, buffer.getvalue())
    chat.as_member("lisi").says("投递 #1 南方网")
    drain(newsroom)
    [message] = mailbox.messages
    photos = [(a.get_filename(), a.get_content()) for a in message.iter_attachments()
              if a.get_content_maintype() == "image"]
    assert photos == [("图1.png", png(2)), ("图2.png", png(3))]
