"""The files the office keeps and hands upward (审批表, 用稿奖励表, 统计表, the outlets' attachments), read as the
office's director and an auditor would (found by a review of the files)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from bot.messages import Incoming
from bot.runtime import Runtime
from tests.conftest import ChatDriver, FrozenClock, Mailbox
from tests.fake_wecom import FakeWeCom
from tests.test_delivery import drain
from tests.test_exports import approval_form, saved
from tests.test_file_drafts import DOCX_TYPE, send_file
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


def test_the_figures_of_a_month_not_over_say_so(newsroom: Runtime, tmp_path: Path) -> None:
    """On 12 May the admin sends 「导出 本月」 for the office's monthly file. The 2026-05统计表.xlsx reads like the
    month's figures — 投稿 1, and three departments under 未投稿部门 — with nothing saying they are the figures of
    12 days (the group's 月报 says 「截至5月12日」, the settlement and the summary 「数据截至」). The file should say
    the day it was made and that the month is not over; last month's file, that it is whole."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("admin").says("导出 本月")
    chat.as_member("admin").says("导出 上月")
    drain(newsroom)
    notes = {}
    for name, data in saved(newsroom).items():
        (tmp_path / name).write_bytes(data)
        [header, row] = list(load_workbook(tmp_path / name)["概况"].iter_rows(values_only=True))
        notes[name] = dict(zip(header, row, strict=True))
    assert notes["2026-05统计表.xlsx"]["生成日期"] == "2026-05-12"
    assert notes["2026-05统计表.xlsx"]["数据截至"] == "2026-05-12（本月未结束，之后的投稿、投递和刊发不在表内）"
    assert notes["2026-04统计表.xlsx"]["数据截至"] == "全月"


def test_the_word_file_kept_with_a_typed_draft_is_on_its_record_and_approval_form(
        live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock, tmp_path: Path) -> None:
    """张三 typed #1, then sent the Word file with the photos; it is kept with #1 and its photos go to the
    outlets. 「稿件 #1」 then lists the step as 「file.attach」 (the audit code, in English), and the 审批表 leaves it
    out altogether: the form the office files says nothing of the file whose photos went out under the bureau's
    name. Both should name the step in Chinese with the file's name."""
    chat = ChatDriver(live)
    text = "5月12日上午，乐昌市自然资源局组织干部职工开展防汛救灾志愿服务活动。\n下午，志愿者们又走访了受灾群众。"
    assert "已收到投稿 #1" in chat.as_member("zhangsan").says(f"投稿 防汛救灾志愿服务\n{text}")
    clock.advance(minutes=15)
    document = Document()
    for paragraph in ("防汛救灾志愿服务", *text.split("\n")):
        document.add_paragraph(paragraph)
    document.add_picture(io.BytesIO(png(2)))
    buffer = io.BytesIO()
    document.save(buffer)
    fake_wecom.media["M1"] = (DOCX_TYPE, "防汛救灾志愿服务.docx", buffer.getvalue())
    send_file(live, clock, "zhangsan", "M1")
    drain(live)
    record = live.commands.handle(Incoming("app", "zhangsan", "m-record", text="稿件 #1"))
    assert record is not None and "file.attach" not in record.text
    assert "张三 补发文件：防汛救灾志愿服务.docx" in record.text
    _, cells = approval_form(live, 1, tmp_path / "f.docx")
    assert ["张三", "补发文件", "", "防汛救灾志愿服务.docx"] in [row[1:] for row in cells]
