"""一稿多投 by e-mail to a real SMTP server on loopback, 用稿反馈, rewards, rankings and statistics."""

from __future__ import annotations

import email
import email.policy
import io
import zipfile
from datetime import UTC, date, datetime
from email.message import EmailMessage

import pytest
from docx import Document
from sqlalchemy import func, select, update

from bot import mail
from bot.documents import extract_text
from bot.messages import Incoming
from bot.runtime import Runtime
from models import (
    AuditEvent,
    Draft,
    DraftFile,
    DraftState,
    Member,
    OutboxMessage,
    OutboxState,
    Outlet,
    RewardRules,
    Submission,
    SubmissionState,
)
from tests.conftest import ChatDriver, FrozenClock, Mailbox, Sent
from tests.test_delivery import drain
from tests.test_file_drafts import DOCX_TYPE, docx_bytes

ARTICLE = "\n".join(["4月22日上午，乐昌市自然资源局在人民广场开展“世界地球日”主题宣传活动。" * 4] * 5)  # ~700 字
def approved_draft(chat: ChatDriver, title: str = "乐昌开展世界地球日宣传", text: str = ARTICLE,
                   author: str = "zhangsan") -> int:
    reply = chat.as_member(author).says(f"投稿 {title}\n{text}")
    number = int(reply.split("#")[1].split("《")[0])
    editor = "lisi" if "编辑：李四" in reply else "zhaoliu"
    chat.as_member(editor).says(f"送审 #{number}")
    assert "已批准" in chat.as_member("wangwu").says(f"批准 #{number}")
    return number


def test_one_correct_mail_per_outlet_with_the_docx(newsroom: Runtime, mailbox: Mailbox) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    reply = chat.as_member("lisi").says("投递 #1 韶关日报 南方")
    assert "已排队投递：韶关日报、南方网" in reply
    drain(newsroom)
    assert sorted(m["To"] for m in mailbox.messages) == ["news@southcn.example", "tougao@sgrb.example"]
    message = next(m for m in mailbox.messages if m["To"] == "tougao@sgrb.example")
    assert message["Subject"] == "【投稿】乐昌开展世界地球日宣传（乐昌市自然资源局 张三）"
    assert message["From"] == "xcb@lcgt.example" and message["Message-ID"].endswith("@lcgt.example>")
    body = message.get_body(("plain",)).get_content()
    assert ARTICLE in body and "电话：0751-0000000" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "乐昌开展世界地球日宣传.docx"
    paragraphs = [p.text for p in Document(io.BytesIO(attachment.get_content())).paragraphs]
    assert paragraphs[:2] == ["乐昌开展世界地球日宣传", "办公室 张三"]
    assert paragraphs[2:] == [*ARTICLE.split("\n"), "", "乐昌市自然资源局办公室", "电话：0751-0000000"]
    assert message["Date"] == "Tue, 12 May 2026 10:00:00 +0800"  # the bot's clock, in the office's zone
    with newsroom.sessions.begin() as session:
        submissions = session.scalars(select(Submission)).all()
        assert {s.state for s in submissions} == {SubmissionState.sent}
        assert {s.message_id for s in submissions} == {m["Message-ID"] for m in mailbox.messages}
        assert session.get(Draft, 1).state == DraftState.submitted
    assert "之前已有记录，没有再发：韶关日报（已投递）" in chat.as_member("lisi").says("投递 #1 韶关日报")
    drain(newsroom)
    assert len(mailbox.messages) == 2  # never twice to one outlet


@pytest.mark.parametrize("separator", ["\r", "\u2028", "\u0085", "\t"])
def test_a_hidden_line_break_in_a_title_is_a_space_and_its_mail_goes_out(separator: str, newsroom: Runtime,
                                                                         mailbox: Mailbox) -> None:
    """A Subject cannot hold a line break: kept in the title, the e-mail could never be sent. A line break of any
    kind ends the 投稿 line (the rest is the article's first line); a tab is a blank."""
    chat = ChatDriver(newsroom)
    number = approved_draft(chat, title=f"乐昌\u200b宣传{separator}Bcc: spy@evil.cn")
    chat.as_member("lisi").says(f"投递 #{number} 韶关日报")
    drain(newsroom)
    [message] = mailbox.messages
    title = "乐昌宣传 Bcc: spy@evil.cn" if separator == "\t" else "乐昌宣传"
    assert message["Subject"] == f"【投稿】{title}（乐昌市自然资源局 张三）"
    assert message["To"] == "tougao@sgrb.example" and message["Bcc"] is None


def test_each_outlet_gets_its_own_byline_from_one_approved_text(newsroom: Runtime, mailbox: Mailbox) -> None:
    chat = ChatDriver(newsroom)
    admin = chat.as_member("admin")
    admin.says("媒体 修改 韶关日报 署名=通讯员 {author}")
    assert "署名「〔部门〕 〔作者〕 报道」" in admin.says("媒体 修改 南方网 署名={department} {author} 报道")
    approved_draft(chat)
    assert "已排队投递：韶关日报、南方网" in chat.as_member("lisi").says("投递 #1 韶关日报 南方网")
    drain(newsroom)
    bylines = {}
    for message in mailbox.messages:
        body = message.get_body(("plain",)).get_content().split("\n")
        [attachment] = list(message.iter_attachments())
        document = Document(io.BytesIO(attachment.get_content()))
        bylines[message["To"]] = (body[1], document.paragraphs[1].text)
        assert (round(document.sections[0].page_width.mm), round(document.sections[0].page_height.mm)) == (210, 297)
    assert bylines == {"tougao@sgrb.example": ("通讯员 张三", "通讯员 张三"),
                       "news@southcn.example": ("办公室 张三 报道", "办公室 张三 报道")}


def word_file_with_pictures(*names: str, size: int = 10) -> bytes:
    """A .docx holding the given files under word/media/ (Word keeps a document's pictures there)."""
    buffer = io.BytesIO(docx_bytes("正文"))
    with zipfile.ZipFile(buffer, "a") as archive:
        for name in names:
            archive.writestr(f"word/media/{name}", name.encode().ljust(size, b"."))
    return buffer.getvalue()


def attach_original(runtime: Runtime, number: int, data: bytes) -> None:
    with runtime.sessions.begin() as session:
        session.add(DraftFile(draft_id=number, source_key=f"file:{number}", filename="稿.docx", size=len(data),
                              content_type=DOCX_TYPE, sha256="", data=data, created_at=runtime.clock()))


def test_photos_of_the_word_file_go_to_the_outlets(newsroom: Runtime, mailbox: Mailbox) -> None:
    chat = ChatDriver(newsroom)
    admin = chat.as_member("admin")
    admin.says("媒体 修改 韶关日报 需要配图=是")
    approved_draft(chat)
    refused = chat.as_member("lisi").says("投递 #1 韶关日报")
    assert "未投 韶关日报：需要配图" in refused and "已排队" not in refused
    attach_original(newsroom, 1, word_file_with_pictures("image10.png", "image2.jpeg", "image1.png", "image3.emf"))
    assert "已排队投递：韶关日报、南方网" in chat.as_member("lisi").says("投递 #1 韶关日报 南方网")
    drain(newsroom)
    for message in mailbox.messages:  # every outlet gets the photos, in the Word file's order, drawings left out
        photos = [(a.get_filename(), a.get_content_type(), a.get_content()[:10])
                  for a in message.iter_attachments() if a.get_content_maintype() == "image"]
        assert photos == [("图1.png", "image/png", b"image1.png"), ("图2.jpeg", "image/jpeg", b"image2.jpe"),
                          ("图3.png", "image/png", b"image10.pn")]


def test_photos_beyond_one_e_mail_are_named_not_sent(newsroom: Runtime, mailbox: Mailbox,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mail, "MAX_PHOTO_BYTES", 25)
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    attach_original(newsroom, 1, word_file_with_pictures("image1.jpg", "image2.jpg", "image3.jpg", size=12))
    chat.as_member("lisi").says("投递 #1 南方网")
    drain(newsroom)
    [message] = mailbox.messages
    names = [a.get_filename() for a in message.iter_attachments()]
    assert names == ["乐昌开展世界地球日宣传.docx", "图1.jpg", "图2.jpg"]
    assert "另有 1 张照片超出邮件大小，未附上" in message.get_body(("plain",)).get_content()


def test_format_violations_block_only_that_outlet(newsroom: Runtime, mailbox: Mailbox) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat, title="一个超过二十四个字的很长很长很长很长很长很长的新闻标题", text="短讯。" * 150)
    reply = chat.as_member("lisi").says("投递 #1 全部")
    assert "已排队投递：局微信公众号、乐昌市政府网。" in reply
    assert "未投 韶关日报：正文 450 字，少于 600 字；标题 27 字，超过 24 字" in reply
    assert "未投 韶关市国土资源局网站：媒体邮箱未设置" in reply
    drain(newsroom)
    assert sorted(m["To"] for m in mailbox.messages) == ["wx@lcgt.example", "xxgk@lechang.example"]
    inline = next(m for m in mailbox.messages if m["To"] == "wx@lcgt.example")
    assert list(inline.iter_attachments()) == []  # the WeChat account takes the text inline


def test_smtp_down_for_a_while_then_delivered_once(newsroom: Runtime, mailbox: Mailbox,
                                                   clock: FrozenClock) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    mailbox.down()
    chat.as_member("lisi").says("投递 #1 韶关日报")
    drain(newsroom)
    with newsroom.sessions.begin() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "mail")).one()
        assert row.state == OutboxState.pending and "SMTP" in (row.last_error or "")
        assert session.scalars(select(Submission.state)).one() == SubmissionState.queued
    mailbox.up()
    for _ in range(3):
        clock.advance(minutes=10)
        drain(newsroom)
    assert [m["To"] for m in mailbox.messages] == ["tougao@sgrb.example"]


def test_who_may_send_and_when(newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    chat.as_member("zhangsan").says(f"投稿 未批准\n{ARTICLE}")
    assert "批准后才能投递" in chat.as_member("lisi").says("投递 #1 韶关日报")
    assert "需要编辑角色" in chat.as_member("zhangsan").says("投递 #1 韶关日报")
    approved_draft(chat, title="已批准")  # #2
    replies = [chat.as_member(who).says("投递 #2 人民日报") for who in ("lisi", "zhaoliu")]
    assert any("没有媒体「人民日报」" in reply for reply in replies)  # from whichever edits #2
    assert any("请写要投递的媒体" in chat.as_member(who).says("投递 #2") for who in ("lisi", "zhaoliu"))
    with newsroom.sessions.begin() as session:
        session.execute(update(Outlet).values(active=False))
    assert "还没有启用的媒体" in chat.as_member("admin").says("投递 #2 全部")


def publish_both(chat: ChatDriver) -> None:
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 韶关日报 南方网")


@pytest.mark.parametrize(("policy", "expected_total"), [("highest", 5.0), ("sum", 8.0)])
def test_publications_feedback_and_points(policy: str, expected_total: float, newsroom: Runtime, sent: Sent,
                                          clock: FrozenClock) -> None:
    with newsroom.sessions.begin() as session:
        session.get(RewardRules, 1).policy = policy
    chat = ChatDriver(newsroom)
    publish_both(chat)
    drain(newsroom)
    first = chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://www.sgrb.example/2026/0512/1.html")
    assert "刊发，积分 +3" in first
    second = chat.as_member("lisi").says("刊发 #1 南方网 https://news.southcn.example/a/1.html")
    assert f"积分 +{5 - 3 if policy == 'highest' else 5:g}" in second
    assert "已登记" in chat.as_member("zhangsan").says("刊发 #1 南方网 https://news.southcn.example/a/1.html")
    corrected = chat.as_member("zhangsan").says("刊发 #1 南方网 https://news.southcn.example/a/2.html")
    assert "已更正稿件 #1 在南方网的刊发记录：链接改为 https://news.southcn.example/a/2.html（积分不变）" in corrected
    with newsroom.sessions.begin() as session:
        urls = {s.outlet.name: s.url for s in session.scalars(select(Submission))}
    assert urls == {"韶关日报": "https://www.sgrb.example/2026/0512/1.html",
                    "南方网": "https://news.southcn.example/a/2.html"}
    drain(newsroom)
    feedback = [line for line in sent.lines if "用稿反馈" in line]
    assert "南方网（省级）" in feedback[1]
    assert "积分：3 分" in feedback[0]  # what the author reads in the group: the draft's points, and this one's part
    assert ("积分：本稿累计 5 分（本次 +2 分，多方采用按最高计）" if policy == "highest"
            else "积分：本稿累计 8 分（本次 +5 分）") in feedback[1]
    assert "https://news.southcn.example/a/1.html" in feedback[1]
    assert len(feedback) == 3 and "用稿反馈（更正）**：#1《" in feedback[2]  # the repeat posts nothing
    assert f"积分：{expected_total:g} 分（不变）" in feedback[2]
    assert "[https://news.southcn.example/a/2.html]" in feedback[2] and "> 更正：链接已更正" in feedback[2]
    detail = chat.as_member("zhangsan").says("稿件 #1")
    assert "张三 更正刊发记录" in detail
    assert "媒体：韶关日报 已刊发 5月12日；南方网 已刊发 5月12日" in detail  # where it went, outlet by outlet
    assert f"积分：{expected_total:g}（1 篇）" in chat.as_member("zhangsan").says("积分 2026")
    ranking = chat.as_member("xiaoli").says("排行 2026")
    assert f"1. 张三（办公室）{expected_total:g} 分，1 篇" in ranking and f"1. 办公室 {expected_total:g} 分" in ranking
    assert "2026年第2季度通讯员排行" in chat.as_member("xiaoli").says("排行 2026Q2")
    assert "还没有刊发" in chat.as_member("xiaoli").says("排行 2026Q3")
    with newsroom.sessions.begin() as session:
        assert session.get(Draft, 1).state == DraftState.published


def test_front_page_multiplier_and_the_editors_share(newsroom: Runtime) -> None:
    with newsroom.sessions.begin() as session:
        session.get(RewardRules, 1).editor_share = 0.2
    chat = ChatDriver(newsroom)
    publish_both(chat)
    assert "积分 +6" in chat.as_member("lisi").says("刊发 #1 韶关日报 https://sgrb.example/1 头版")
    ranking = chat.as_member("admin").says("排行")
    assert "张三（办公室）4.8 分" in ranking and "李四（执法监察大队）1.2 分" in ranking
    # 头版 learnt later: the same 刊发 with 头版 adds it and its points; a plain repeat never takes it away.
    assert "本次不加分" in chat.as_member("lisi").says("刊发 #1 南方网 https://southcn.example/1")
    corrected = chat.as_member("lisi").says("刊发 #1 南方网 https://southcn.example/1 头版")
    assert "已更正稿件 #1 在南方网的刊发记录：改为头版（积分 +4）" in corrected
    assert "无需重复" in chat.as_member("lisi").says("刊发 #1 南方网 https://southcn.example/1")
    ranking = chat.as_member("admin").says("排行")
    assert "张三（办公室）8 分" in ranking and "李四（执法监察大队）2 分" in ranking
    with newsroom.sessions.begin() as session:  # one who left stays in the year's ranking, marked (评选)
        session.execute(update(Member).where(Member.userid == "zhangsan").values(active=False))
    assert "1. 张三（办公室，已停用）8 分，1 篇" in chat.as_member("admin").says("排行")


def test_a_lower_publication_after_a_higher_one_adds_nothing_under_highest(newsroom: Runtime, sent: Sent) -> None:
    chat = ChatDriver(newsroom)
    publish_both(chat)
    assert "积分 +5" in chat.as_member("lisi").says("刊发 #1 南方网 https://news.southcn.example/a/1.html")
    reply = chat.as_member("lisi").says("刊发 #1 韶关日报 https://www.sgrb.example/2026/0512/1.html")
    assert "刊发（多方采用按最高计，本次不加分）" in reply
    drain(newsroom)
    feedback = [line for line in sent.lines if "用稿反馈" in line]
    assert "积分：5 分" in feedback[0]
    assert "积分：本稿累计 5 分（本次不加分，多方采用按最高计）" in feedback[1]


def test_bad_links_not_used_and_permissions(newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    publish_both(chat)
    for link in ("sgrb.example/1", "ftp://sgrb.example/1", "https://", "javascript:alert(1)"):
        assert "不是有效的文章链接" in chat.as_member("lisi").says(f"刊发 #1 韶关日报 {link}")
    assert "用法：刊发 #1" in chat.as_member("lisi").says("刊发 #1 韶关日报")
    refused = chat.as_member("xiaoli").says("刊发 #1 韶关日报 https://a.example/1")
    assert "只有稿件 #1 的作者、编辑、审核人或管理员" in refused
    assert "南方网未采用稿件 #1" in chat.as_member("lisi").says("不采用 #1 南方网")
    assert "南方网不采用稿件 #1 之前已登记，无需重复" in chat.as_member("lisi").says("不采用 #1 南方网")
    assert chat.as_member("lisi").says("不采用 #1 政府网") == (
        "稿件 #1 没有投递给乐昌市政府网，「不采用」只登记投递过的媒体（已投递：韶关日报、南方网）。")
    refused = chat.as_member("lisi").says("不采用 #1 韶关日报、政府网")  # each one, or none
    assert "没有投递给乐昌市政府网" in refused
    both = chat.as_member("lisi").says("不采用 #1 南方网 韶关日报 韶关日报")  # one recorded before, one named twice
    assert both == "已登记：韶关日报未采用稿件 #1。\n南方网不采用稿件 #1 之前已登记，无需重复。"


def test_punctuation_after_the_link_is_no_part_of_it(newsroom: Runtime, sent: Sent) -> None:
    chat = ChatDriver(newsroom)
    publish_both(chat)
    assert "积分 +3" in chat.as_member("lisi").says("刊发 #1 韶关日报 https://sgrb.example/2026/1.html。")
    assert "积分 +7" in chat.as_member("lisi").says("刊发 #1 南方网 https://southcn.example/a/1.html，头版")  # 5×2−3
    with newsroom.sessions.begin() as session:
        rows = {s.outlet.name: (s.url, s.front_page) for s in session.scalars(select(Submission))}
    assert rows == {"韶关日报": ("https://sgrb.example/2026/1.html", False),
                    "南方网": ("https://southcn.example/a/1.html", True)}
    drain(newsroom)
    assert not [line for line in sent.lines if "html。" in line or "html，" in line]  # the group's links work
    for after in ("（头版）", "：头版", ",头版"):  # a comma typed on a PC keyboard, brackets, a colon
        chat.as_member("lisi").says(f"刊发 #1 南方网 https://southcn.example/a/1.html{after}")
        with newsroom.sessions.begin() as session:
            assert {s.url for s in session.scalars(select(Submission))} == {
                "https://sgrb.example/2026/1.html", "https://southcn.example/a/1.html"}, after
    refused = chat.as_member("lisi").says("刊发 #1 南方网 https://southcn.example/a/2.html 上周")
    assert "「上周」无法识别" in refused and "写成 5月11日 或 2026-05-11" in refused
    assert "例如：刊发 #1 南方网 https://southcn.example/a/2.html 头版 5月11日" in refused


def test_the_help_examples_link_is_no_article(newsroom: Runtime) -> None:
    """「刊发 #12 韶关日报 https://…」 copied from 帮助: no record, no points, no overwritten link."""
    chat = ChatDriver(newsroom)
    publish_both(chat)
    refused = chat.as_member("lisi").says("刊发 #1 韶关日报 https://… 12月30日")
    assert "「https://…」不是文章的网址" in refused and "请在媒体网页上复制文章的完整地址" in refused
    with newsroom.sessions.begin() as session:
        assert [s.url for s in session.scalars(select(Submission)) if s.url] == []
    chat.as_member("lisi").says("刊发 #1 韶关日报 https://sgrb.example/1")
    assert "不是文章的网址" in chat.as_member("lisi").says("刊发 #1 韶关日报 https://…")
    with newsroom.sessions.begin() as session:
        assert [s.url for s in session.scalars(select(Submission)) if s.url] == ["https://sgrb.example/1"]
    assert "已登记" in chat.as_member("lisi").says("刊发 #1 南方网 https://乐昌.政务.cn/a/1")  # a Chinese host


def test_a_publication_in_print_is_recorded_by_its_page(newsroom: Runtime, sent: Sent, clock: FrozenClock,
                                                         tmp_path: object) -> None:
    """韶关日报's print edition has no link: 刊发 takes the page as the proof, its link can follow later, and the
    page is what the group, 稿件 and the settlement show."""
    from pathlib import Path

    from openpyxl import load_workbook

    from bot.reports import rewards_workbook

    chat = ChatDriver(newsroom)
    publish_both(chat)
    clock.advance(days=3)
    reply = chat.as_member("zhangsan").says("刊发 #1 韶关日报 第3版 5月13日")
    assert reply.startswith("已登记稿件 #1 在韶关日报（市级）刊发（5月13日 第3版），积分 +3"), reply
    assert "第3版" in chat.as_member("zhangsan").says("稿件 #1") and "韶关日报 已刊发 5月13日 第3版" in (
        chat.as_member("zhangsan").says("稿件 #1"))
    assert "无需重复" in chat.as_member("lisi").says("刊发 #1 韶关日报 第3版 5月13日")
    later = chat.as_member("lisi").says("刊发 #1 韶关日报 https://www.sgrb.example/2026/0513/3.html")
    assert "记录：链接补记 https://www.sgrb.example/2026/0513/3.html（积分不变）" in later
    assert "积分 +7" in chat.as_member("lisi").says("刊发 #1 南方网 A1版")  # the first page is 头版: 5 × 2 − 3
    with newsroom.sessions.begin() as session:
        rows = {s.outlet.name: (s.url, s.page, s.front_page, f"{s.published_on}") for s in
                session.scalars(select(Submission))}
        comments = [e.comment for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "publish"))]
    assert rows == {"韶关日报": ("https://www.sgrb.example/2026/0513/3.html", "第3版", False, "2026-05-13"),
                    "南方网": (None, "A1版", True, "2026-05-15")}
    assert comments == ["韶关日报 2026-05-13刊发 第3版", "南方网 2026-05-15刊发 A1版"]
    drain(newsroom)
    feedback = [line for line in sent.lines if "用稿反馈" in line]
    assert len(feedback) == 3
    assert "> 版面：2026-05-13 第3版" in feedback[0] and "链接" not in feedback[0]
    assert "> 版面：2026-05-13 第3版" in feedback[1] and "[https://www.sgrb.example/2026/0513/3.html]" in feedback[1]
    assert "南方网（省级，头版）" in feedback[2] and "> 版面：2026-05-15 A1版" in feedback[2]
    output = Path(str(tmp_path)) / "rewards.xlsx"
    with newsroom.sessions.begin() as session:
        rewards_workbook(session, date(2026, 1, 1), date(2027, 1, 1), "2026", date(2026, 5, 12), output)
    [article] = list(load_workbook(output)["稿件"].iter_rows(min_row=2, values_only=True))
    assert article[7] == "https://www.sgrb.example/2026/0513/3.html 第3版\nA1版" and article[8] == 10
    revoked = chat.as_member("admin").says("撤销刊发 #1 南方网 应为第2版")
    assert "扣除 7 分" in revoked
    with newsroom.sessions.begin() as session:
        assert session.scalar(select(AuditEvent.comment).where(AuditEvent.action == "publish.revoke")) == (
            "南方网 A1版：应为第2版")
    assert "积分 +2" in chat.as_member("lisi").says("刊发 #1 南方网 第2版")  # highest: 5 − 3


def test_another_page_corrects_头版_both_ways(newsroom: Runtime, sent: Sent) -> None:
    """The page decides 头版 in print: 第1版 typed for 第11版 loses the front page's points when corrected; a link
    added later, or the same page again, changes nothing of it."""
    chat = ChatDriver(newsroom)
    publish_both(chat)
    assert "积分 +6" in chat.as_member("zhangsan").says("刊发 #1 韶关日报 第1版")
    corrected = chat.as_member("zhangsan").says("刊发 #1 韶关日报 第11版")
    assert "记录：版面改为 第11版，不再按头版计（积分 -3）" in corrected
    assert "无需重复" in chat.as_member("zhangsan").says("刊发 #1 韶关日报 第11版")
    assert "链接补记" in chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://sgrb.example/11")
    # 「第11版 头版」 is refused in one message, so in two: the 头版 beside a later link is no front page of 第11版
    assert "「第11版」不是头版" in chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://sgrb.example/11 头版")
    assert "改为头版（积分 +3）" in chat.as_member("zhangsan").says("刊发 #1 韶关日报 A1版")
    with newsroom.sessions.begin() as session:
        [row] = [(s.url, s.page, s.front_page, s.points) for s in session.scalars(select(Submission))
                 if s.state == SubmissionState.published]
    assert row == ("https://sgrb.example/11", "A1版", True, 6.0)
    refused = chat.as_member("zhangsan").says("刊发 #1 韶关日报 第3版 上周")
    assert "例如：刊发 #1 韶关日报 第3版 5月11日" in refused  # no 头版 beside a page in the example
    drain(newsroom)
    correction = [line for line in sent.lines if "用稿反馈" in line][1]
    assert "> 更正：版面改为 第11版，不再按头版计" in correction and "> 积分：本稿累计 3 分（本次 -3 分" in correction
    assert "韶关日报（市级）" in correction


def test_排行_tells_a_member_beyond_the_top_where_they_stand(chat: ChatDriver,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranked below the top ten, a correspondent could not see their own place (a review of a busy year)."""
    monkeypatch.setattr("handlers.stats.TOP", 1)
    for author, outlet in (("zhangsan", "南方网"), ("xiaoli", "韶关日报")):
        number = approved_draft(chat, f"{author}的稿件", ARTICLE + author, author=author)
        chat.as_member(author).says(f"刊发 #{number} {outlet} https://news.example/{author}")
    ranking = chat.as_member("xiaoli").says("排行")
    assert ranking.startswith("2026年通讯员排行：\n1. 张三（办公室）5 分，1 篇\n……\n您：2. 小李（规划股）3 分，1 篇\n")
    assert "您：" not in chat.as_member("zhangsan").says("排行")  # shown already
    assert "您：" not in chat.as_member("admin").says("排行")  # no points
    in_group = Incoming("aibot", "xiaoli", "group:1", text="排行", chat_type="group", chat_id="wr1")
    assert "您：" not in chat.runtime.commands.handle(in_group).text  # the group reads what the bot says


def test_an_outlet_or_头版_in_brackets_is_read_not_dropped(chat: ChatDriver) -> None:
    """Taken for WeCom emoji codes, [南方网] was left out of 投递 and [头版] out of 刊发 (a review of the day's
    change): read as words, they are refused as what they are not."""
    number = approved_draft(chat)
    assert "没有媒体「[南方网]」" in chat.as_member("lisi").says(f"投递 #{number} 韶关日报 [南方网]")
    assert "「[头版]」不是可识别的版面" in chat.as_member("zhangsan").says(f"刊发 #{number} 韶关日报 第3版 [头版]")


def test_a_draft_of_last_year_shows_its_dates_with_the_year(chat: ChatDriver, clock: FrozenClock) -> None:
    """「12-20 10:00」 read as this year's in January (found by a review of a busy year)."""
    approved_draft(chat)
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://sgrb.example/1")
    assert "v1 05-12 10:00" in chat.as_member("zhangsan").says("稿件 #1")
    clock.advance(days=300)
    detail = chat.as_member("zhangsan").says("稿件 #1")
    assert "v1 2026-05-12 10:00" in detail and "批准：王五 2026-05-12 10:00" in detail
    assert "韶关日报 已刊发 2026年5月12日" in detail and "\n2026-05-12 10:00 张三 " in detail


def test_a_sender_with_a_name_gives_a_well_formed_message_id() -> None:
    """「宣传办 <xcb@…>」 gave the recorded Message-ID a second 「>」 (found by a review of 一稿多投)."""
    from bot.domain.submitting import new_message_id

    message_id = new_message_id("宣传办 <xcb@lcgt.example>")
    assert message_id.endswith("@lcgt.example>") and message_id.count(">") == 1


def test_corrections_of_one_publication_go_to_the_group_three_times_a_day(chat: ChatDriver,
                                                                        clock: FrozenClock) -> None:
    """Page toggled twenty times: twenty 用稿反馈（更正） posts flooded the group, the robot's 20 a minute behind
    them (found by a security review). Every correction is recorded; the group sees three posts a day."""
    approved_draft(chat)
    author = chat.as_member("zhangsan")
    replies = [author.says(f"刊发 #1 韶关日报 https://sgrb.example/{n} 第{1 + n % 2}版") for n in range(20)]
    assert "用稿反馈已发到工作群" in replies[0] and "更正已发到工作群" in replies[2]
    assert "今天已在工作群发过 3 次，本次更正只记录、不再发群；发送「稿件 #1」可查看最新记录" in replies[3]
    assert "积分 -3" in replies[19] and "韶关日报 已刊发 5月12日 第2版" in author.says("稿件 #1")
    clock.advance(days=1)
    assert "更正已发到工作群" in author.says("刊发 #1 韶关日报 https://sgrb.example/20")
    with chat.runtime.sessions.begin() as session:
        posts = session.scalars(select(OutboxMessage.payload).where(OutboxMessage.channel == "group")
                                .order_by(OutboxMessage.id)).all()
    assert len(posts) == 4 and "https://sgrb.example/20" in posts[-1]["markdown"]["content"]


def test_a_broadcast_is_recorded_by_its_programme(newsroom: Runtime, sent: Sent, clock: FrozenClock) -> None:
    """电视台报道 (大台): no link and no page, but a programme; its 头条 is the newscast's headline."""
    chat = ChatDriver(newsroom)
    publish_both(chat)
    assert "已添加媒体" in chat.as_member("admin").says("媒体 添加 乐昌电视台 县级")
    clock.advance(days=1)
    reply = chat.as_member("zhangsan").says("刊发 #1 乐昌电视台《乐昌新闻》 5月12日")
    assert "刊发（5月12日 《乐昌新闻》），积分 +2" in reply
    assert "改为头版（积分 +2）" in chat.as_member("zhangsan").says("刊发 #1 乐昌电视台 《乐昌新闻》 头条")
    with newsroom.sessions.begin() as session:
        [row] = [(s.url, s.page, s.front_page, s.points) for s in session.scalars(select(Submission))
                 if s.state == SubmissionState.published]
    assert row == (None, "《乐昌新闻》", True, 4.0)
    assert "已添加媒体" in chat.as_member("admin").says("媒体 添加 《南方》杂志 省级")
    assert "《南方》杂志（省级）刊发（第3期），积分 +1" in chat.as_member("zhangsan").says("刊发 #1 《南方》杂志 第3期")
    titled = chat.as_member("zhangsan").says("刊发 #1 南方网 https://southcn.example/1 《乐昌开展世界地球日宣传》")
    assert "已登记稿件 #1 在南方网（省级）刊发（多方采用按最高计" in titled  # the article's title is no programme
    drain(newsroom)
    assert "> 栏目：2026-05-12 《乐昌新闻》" in next(line for line in sent.lines if "用稿反馈" in line)


@pytest.mark.parametrize(("message", "expected"), [
    ("刊发 #1 韶关日报 头版", "报纸没有网络链接的写版面：刊发 #1 韶关日报 第3版（头版写 第1版）"),
    ("刊发 #1 南方网 头条", "用法：刊发 #1 媒体名称 文章链接"),  # 头版 alone is no proof
    ("刊发 #1 韶关日报 第一版", "刊发（第一版），积分 +6"),
    ("刊发 #1 韶关日报 01版", "刊发（01版），积分 +6"),
    ("刊发 #1 第3版 韶关日报", "刊发（第3版），积分 +3"),
    ("刊发 #1 韶关日报，2026年第5期", "刊发（2026年第5期），积分 +3"),  # a magazine's issue
    ("刊发 #1 韶关日报 第3版 https://sgrb.example/3", "刊发（第3版），积分 +3"),  # both, in any order
    ("刊发 #1 韶关日报 第3版 今天", "刊发（第3版），积分 +3"),
    ("刊发 #1 韶关日报 第3版 昨天", "刊发日期 2026-05-11 早于稿件 #1 的投稿日期 2026-05-12"),  # read as a day
    ("刊发 #1 韶关日报 第3版 上周", "「上周」无法识别：媒体名称之后只能写一个文章链接、「头版」、报纸版面"),
    ("刊发 #1 韶关日报 第3版 第4版", "「第4版」无法识别"),
    ("刊发 #1 韶关日报 要闻版", "「要闻版」不是可识别的版面。版面请写成 第3版、A3版、二版，期刊写 2026年第5期"),
    ("刊发 #1 韶关日报 第3版 头条", "「第3版」不是头版（头版是第1版或A1版），其他版面的头条不按头版计分"),
    ("刊发 #1 韶关日报 第3版头条", "「第3版」不是头版"),
    ("刊发 #1 韶关日报 第３版", "刊发（第3版），积分 +3"),
    ("刊发 #1 韶关日报 二版", "刊发（二版），积分 +3"),
    ("刊发 #1 韶关日报 B1版", "刊发（B1版），积分 +3"),  # a later section's first page is no 头版
    ("刊发 #1 韶关日报 头版头条 第1版", "刊发（第1版），积分 +6"),
    ("刊发 #1 韶关日报：第1版", "刊发（第1版），积分 +6"),
    ("刊发 #1 韶关日报:第1版", "刊发（第1版），积分 +6"),  # an ASCII colon after Chinese, as phones type it
    ("刊发 #1 韶关日报: 第3版", "刊发（第3版），积分 +3"),
    ("刊发 #1 韶关日报 5月12日第3版", "刊发（第3版），积分 +3"),
    ("刊发 #1 韶关日报 https://sgrb.example/3 https://sgrb.example/4", "「https://sgrb.example/4」无法识别"),
    ("刊发 #1 韶关日报", "报纸没有网络链接的写版面：刊发 #1 韶关日报 第3版"),
    ("刊发 #1 第3版", "用法：刊发 #1 媒体名称 文章链接"),
    ("刊发 #1 韶关日报 第3000版", "「第3000版」不是可识别的版面"),
])
def test_the_words_of_a_publication_in_print(message: str, expected: str, newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    publish_both(chat)
    assert expected in chat.as_member("lisi").says(message)
    with newsroom.sessions.begin() as session:
        recorded = session.scalars(select(Submission).where(Submission.state == SubmissionState.published)).all()
    assert len(recorded) == ("积分" in expected)


def test_all_stands_alone_in_a_submission(newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    refused = chat.as_member("lisi").says("投递 #1 韶关日报 全部")
    assert "「全部」要单独写：投递 #1 全部；或只列媒体：投递 #1 韶关日报 南方网" in refused
    assert chat.count(Submission) == 0  # nothing queued


def test_month_statistics(newsroom: Runtime, clock: FrozenClock) -> None:
    chat = ChatDriver(newsroom)
    publish_both(chat)
    drain(newsroom)
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://sgrb.example/1")
    figures = chat.as_member("admin").says("统计 2026-05")
    assert "2026年5月：投稿 1 篇，批准 1 篇，投递 2 次，刊发 1 篇次（其中转载 0 篇次，转载率 0%）" in figures
    assert "韶关日报 1/1/100%" in figures and "南方网 1/0/0%" in figures and "办公室 2/1/50%" in figures
    assert "2026年5月没有投稿的部门：地籍股、执法监察大队、规划股" in figures
    assert "时间应写成 2026-05（月份）、2026Q3（季度）或 2026（全年）" in chat.as_member("admin").says("统计 上周")
    assert chat.as_member("admin").says("统计 五月") == figures  # a month in words
    year = chat.as_member("admin").says("统计 2026")  # the year, and a quarter, add up their months
    assert "2026年：投稿 1 篇，批准 1 篇，投递 2 次，刊发 1 篇次" in year and "韶关日报 1/1/100%" in year
    assert year.endswith("2026年没有投稿的部门：地籍股、执法监察大队、规划股")  # 局领导 approve: they owe none
    assert "2026年第2季度：投稿 1 篇" in chat.as_member("admin").says("统计 二季度")
    assert "2026年第1季度：投稿 0 篇" in chat.as_member("admin").says("统计 2026Q1")
    for command in ("统计 0000-05", "排行 0000", "排行 9999", "排行 9999Q4", "积分 1900"):
        assert "年份应在 2000 到 2100 之间" in chat.as_member("admin").says(command)
    assert "投稿 0" in chat.as_member("admin").says("统计 2026-04")
    assert "刊发 0 篇次（其中转载 0 篇次，转载率 —）" in chat.as_member("admin").says("统计 2026-04")
    chat.as_member("zhangsan").says("刊发 #1 政府网 https://www.lechang.example/1")  # never e-mailed: a reprint
    assert "投递 2 次，刊发 2 篇次（其中转载 1 篇次，转载率 50%）" in chat.as_member("admin").says("统计 2026-05")
    chat.as_member("zhangsan").says("刊发 #1 公众号 https://mp.example/s/1")  # posted by the office itself
    assert "投递 2 次，刊发 3 篇次（其中转载 1 篇次，转载率 33%）" in chat.as_member("admin").says("统计 2026-05")
    approved_draft(chat, title="作者自己投给韶关日报的稿件")  # the author sent it themselves: no e-mail of ours
    chat.as_member("zhangsan").says("刊发 #2 韶关日报 https://sgrb.example/2")  # its first publication: no reprint
    assert "刊发 4 篇次（其中转载 1 篇次，转载率 25%）" in chat.as_member("admin").says("统计 2026-05")
    chat.as_member("zhangsan").says("刊发 #2 南方网 https://southcn.example/2")  # after it, with no e-mail: one
    assert "刊发 5 篇次（其中转载 2 篇次，转载率 40%）" in chat.as_member("admin").says("统计 2026-05")


def test_outlet_directory_and_admin_changes(newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    listing = chat.as_member("zhangsan").says("媒体")
    assert "韶关日报（韶报）·市级\n邮箱：tougao@sgrb.example\n要求：600–1500 字，标题≤24字，Word 附件" in listing
    assert "只有管理员" in chat.as_member("zhangsan").says("媒体 停用 南方网")
    one = chat.as_member("zhangsan").says("媒体 韶报")  # one outlet's entry, by name or alias, for anyone
    assert one.startswith("韶关日报（韶报）·市级\n邮箱：tougao@sgrb.example") and "南方网" not in one
    assert "没有媒体「韶关晚报」。可用的媒体：" in chat.as_member("zhangsan").says("媒体 韶关晚报")
    two = chat.as_member("zhangsan").says("媒体 韶关日报、南方网。")
    assert two.startswith("韶关日报（韶报）·市级") and "\n\n南方网" in two
    assert "已添加媒体" in chat.as_member("admin").says("媒体 添加 学习强国 中央 xxqg@example.cn")
    for said, shown in (("人民网 中央级", "人民网·中央"), ("南方日报 省部级", "南方日报·省级")):  # levels as said
        assert f"已添加媒体：\n{shown}\n" in chat.as_member("admin").says(f"媒体 添加 {said} tg@example.cn")
    changed = chat.as_member("admin").says("媒体 修改 学习强国 最多字数=1200 需要配图=是 别名=强国")
    assert "学习强国（强国）·中央" in changed and "0–1200 字" in changed and "需配图" in changed
    assert "5–1200 字" in chat.as_member("admin").says("媒体 修改 学习强国 最少字数＝５")
    assert "不能修改「颜色」" in chat.as_member("admin").says("媒体 修改 学习强国 颜色=红")
    assert "不是有效的邮箱" in chat.as_member("admin").says("媒体 修改 学习强国 邮箱=nobody")
    for second in (",spy@evil.example", ";spy@evil.example", "\rBcc:spy@evil.example", " <spy@evil.example>", "；"):
        refused = chat.as_member("admin").says(f"媒体 修改 学习强国 邮箱=xxqg@example.cn{second}")
        assert "请填写一个完整的邮箱地址" in refused
    # The full stop that ends the sentence is no part of the address (as after any command's words).
    assert "邮箱：xxqg@example.cn\n" in chat.as_member("admin").says("媒体 修改 学习强国 邮箱=xxqg@example.cn。")
    assert "已停用" in chat.as_member("admin").says("媒体 停用 强国")
    assert "学习强国" not in chat.as_member("zhangsan").says("媒体")
    assert "已停用：学习强国（「媒体 修改 名称 启用=是」重新启用）" in chat.as_member("admin").says("媒体")
    assert "媒体「学习强国」已经停用。要重新启用请发送「媒体 修改 学习强国 启用=是」" in chat.as_member(
        "admin").says("媒体 停用 学习强国")
    approved_draft(chat)
    assert "媒体「学习强国」已停用。管理员可发送「媒体 修改 学习强国 启用=是」" in chat.as_member("lisi").says(
        "投递 #1 强国")
    assert "学习强国（强国）·中央（已停用）" in chat.as_member("admin").says("媒体 修改 学习强国 用途=理论")


def test_outlet_texts_have_a_length(newsroom: Runtime) -> None:
    admin = ChatDriver(newsroom).as_member("admin")
    assert "用途最多 500 个字（现在 501 个）" in admin.says("媒体 修改 南方网 用途=" + "字" * 501)
    assert "署名最多 100 个字" in admin.says("媒体 修改 南方网 署名=" + "字" * 101)
    assert "已修改" in admin.says("媒体 修改 南方网 用途=" + "字" * 500)


def test_outlets_named_as_people_list_them(newsroom: Runtime, mailbox: Mailbox) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    assert "已排队投递：韶关日报、南方网。" in chat.as_member("lisi").says("投递 #1 韶关日报、南方网")
    assert "已排队投递：局微信公众号、乐昌市政府网。" in chat.as_member("lisi").says("投递 #1 公众号，政府网 ")


@pytest.mark.parametrize(("change", "expected"), [
    ("名称=", "媒体名称不能为空、不能有空格"),
    ("名称=南方 新闻网", "媒体名称不能为空、不能有空格"),
    ("名称=南方、新闻网", "媒体名称不能为空、不能有空格或、，,"),
    ("名称=韶关日报", "「韶关日报」已是媒体「韶关日报」的名称或别名，请换一个"),
    ("别名=南方网新闻 韶报", "「韶报」已是媒体「韶关日报」的名称或别名"),
    ("别名=全部", "「全部」用于「投递 #12 全部」"),
    ("最少字数=2500", "最少字数（2500）不能大于最多字数（2000）"),
    ("最多字数=99999999999999999999999", "最多字数应为 1 到 100000 的数字"),
    ("标题字数=101", "标题字数应为 1 到 100 的数字"),
    ("标题字数=0", "标题字数应为 1 到 100 的数字（或「不限」）"),  # was read as no limit
    ("最多字数=0", "最多字数应为 1 到 100000 的数字"),
    ("最少字数=²", "最少字数应为 0 到 100000 的数字"),
])
def test_an_outlet_change_that_would_break_its_lookup_or_rules_changes_nothing(newsroom: Runtime, change: str,
                                                                             expected: str) -> None:
    chat = ChatDriver(newsroom)
    before = chat.as_member("zhangsan").says("媒体")
    assert expected in chat.as_member("admin").says(f"媒体 修改 南方网 {change}")
    assert chat.as_member("zhangsan").says("媒体") == before
    assert "已修改" in chat.as_member("admin").says("媒体 修改 南方网 别名=南方、南方 新闻")  # blanks separate aliases
    assert "南方网（南方、新闻）·省级" in chat.as_member("admin").says("媒体")


def test_the_whole_way_through_the_encrypted_endpoint_to_the_spreadsheet(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock, tmp_path: object) -> None:
    import subprocess
    import sys
    from pathlib import Path

    from fastapi.testclient import TestClient
    from openpyxl import load_workbook

    from bot.app import create_app
    from tests.test_delivery import cli_env
    from tests.wecom_sim import WeComSimulator, say

    wecom = WeComSimulator(now=clock.timestamp)
    with TestClient(create_app(newsroom, dispatcher=False, wall_clock=clock.timestamp)) as client:
        assert "已收到投稿 #1" in say(client, wecom, "zhangsan", f"投稿 乐昌开展世界地球日宣传\n{ARTICLE}")
        say(client, wecom, "lisi", "送审 #1")
        assert "已批准" in say(client, wecom, "wangwu", "批准")
        assert "已排队投递：韶关日报、南方网" in say(client, wecom, "lisi", "投递 #1 韶关日报 南方网")
        drain(newsroom)
        clock.advance(days=2)
        say(client, wecom, "zhangsan", "刊发 #1 韶关日报 https://www.sgrb.example/1.html")
        say(client, wecom, "lisi", "刊发 #1 南方网 https://news.southcn.example/1.html 头版")
        drain(newsroom)
        ranking = say(client, wecom, "admin", "排行 2026")
        assert "刊发 2" in say(client, wecom, "admin", "统计 2026-05")
    assert len(mailbox.messages) == 2
    group = [line for line in sent.lines if line.startswith("[本地模式·未发送] 发到 group")]
    feedback = [line for line in group if "用稿反馈" in line]
    assert len(feedback) == 2 and "南方网（省级，头版）" in feedback[1]
    assert "积分：本稿累计 10 分（本次 +7 分，多方采用按最高计）" in feedback[1]
    assert "1. 张三（办公室）10 分，1 篇" in ranking  # highest: 南方网 province 5 × 头版 2
    output = Path(str(tmp_path)) / "rewards.xlsx"
    env = cli_env(newsroom.settings)
    result = subprocess.run([sys.executable, "-m", "bot.cli", "report", "rewards", "--year", "2026", "-o",
                             str(output)], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    book = load_workbook(output)
    articles = list(book["稿件"].iter_rows(min_row=2, values_only=True))
    assert len(articles) == 1 and articles[0][8] == 10
    assert "https://www.sgrb.example/1.html" in articles[0][7] and "南方网（省级，头版）" in articles[0][5]
    people = list(book["个人"].iter_rows(min_row=2, values_only=True))
    assert people == [("张三", "办公室", 10, 1, None)]
    assert list(book["部门"].iter_rows(min_row=2, values_only=True)) == [("办公室", 10, 1)]
    monthly = Path(str(tmp_path)) / "monthly.xlsx"
    result = subprocess.run([sys.executable, "-m", "bot.cli", "report", "monthly", "--month", "2026-05", "-o",
                             str(monthly)], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    [figures] = load_workbook(monthly)["概况"].iter_rows(min_row=2, values_only=True)
    # The server's own clock (a process of its own): the day the file was made, and May long over.
    assert figures[:7] == ("2026-05", 1, 1, 2, 2, 0, "0%") and figures[8] == "全月"


def test_outlets_cli(newsroom: Runtime, tmp_path: object) -> None:
    import json
    import subprocess
    import sys

    from tests.test_delivery import cli_env

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", "outlets", *args], capture_output=True, text=True,
                              timeout=60, env=cli_env(newsroom.settings), cwd=str(tmp_path))

    listed = json.loads(cli("list", "--json").stdout)
    assert [o["name"] for o in listed][:3] == ["局微信公众号", "乐昌市政府网", "韶关日报"]
    assert cli("add", "学习强国", "中央", "--mailbox", "xxqg@example.cn").returncode == 0
    edited = json.loads(cli("edit", "学习强国", "max_chars=1200", "aliases=强国").stdout)
    assert (edited["max_chars"], edited["aliases"], edited["level"]) == (1200, ["强国"], "central")
    assert "未知级别" in cli("add", "某报", "乡").stderr
    assert "应写成 FIELD=VALUE" in cli("edit", "学习强国", "max_chars").stderr
    assert cli("retire", "强国").returncode == 0
    assert json.loads(cli("list", "--json").stdout)[-1]["active"] is False


def test_reward_rules_cli(newsroom: Runtime, tmp_path: object) -> None:
    import json
    import subprocess
    import sys

    from tests.test_delivery import cli_env

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", "rewards", *args], capture_output=True, text=True,
                              timeout=60, env=cli_env(newsroom.settings), cwd=str(tmp_path))

    assert json.loads(cli("show").stdout)["policy"] == "highest"
    changed = json.loads(cli("set", "city=4", "policy=sum", "editor_share=0.25").stdout)
    assert (changed["city"], changed["policy"], changed["editor_share"]) == (4, "sum", 0.25)
    assert "policy 只能是" in cli("set", "policy=max").stderr
    assert "编辑分成在 0 到 1 之间" in cli("set", "editor_share=2").stderr
    assert "没有规则「town」" in cli("set", "town=1").stderr


def test_a_changed_rule_reprices_publications_only_when_asked(newsroom: Runtime, tmp_path: object) -> None:
    import subprocess
    import sys

    from tests.test_delivery import cli_env

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", "rewards", *args], capture_output=True, text=True,
                              timeout=60, env=cli_env(newsroom.settings), cwd=str(tmp_path))

    chat = ChatDriver(newsroom)
    publish_both(chat)
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://www.sgrb.example/1.html 头版")  # city 3 × 2
    assert "积分：6（1 篇）" in chat.as_member("zhangsan").says("积分 2026")
    changed = cli("set", "city=4", "provincial=8")
    assert "newsbot rewards reprice --since" in changed.stderr  # said, not done: settlements already paid stand
    assert "已结算的季度" not in changed.stderr
    assert "已结算的季度和年度的排行、结算表也按新规则显示" in cli("set", "editor_share=0").stderr  # read, not kept
    assert "积分：6（1 篇）" in chat.as_member("zhangsan").says("积分 2026")
    assert "0 条积分有变" in cli("reprice", "--since", "2026-05-13").stdout  # recorded the day before
    assert "1 条积分有变" in cli("reprice", "--since", "2026-05-12").stdout
    assert "积分：8（1 篇）" in chat.as_member("zhangsan").says("积分 2026")  # 4 × 2
    assert "1. 张三（办公室）8 分" in chat.as_member("zhangsan").says("排行 2026")
    assert "请写成 2026-01-01" in cli("reprice", "--since", "去年").stderr
    assert "0 条积分有变" in cli("reprice", "--since", "2026-01-01").stdout  # twice is harmless
    with newsroom.sessions.begin() as session:
        assert session.scalars(select(AuditEvent.comment).where(AuditEvent.action == "rewards.reprice")).all() == [
            "2026-05-13 起 0 条刊发记录", "2026-05-12 起 1 条刊发记录", "2026-01-01 起 0 条刊发记录"]
    chat.as_member("zhangsan").says("刊发 #1 南方网 https://news.southcn.example/1.html")  # at provincial 8
    cli("set", "provincial=9")  # then 头版 learnt later: its day's 8, doubled, not today's rate
    assert "改为头版" in chat.as_member("zhangsan").says("刊发 #1 南方网 https://news.southcn.example/1.html 头版")
    with newsroom.sessions.begin() as session:
        assert sorted(session.scalars(select(Submission.points))) == [8.0, 16.0]


def test_highest_is_never_paid_twice_across_quarters(newsroom: Runtime, clock: FrozenClock) -> None:
    chat = ChatDriver(newsroom)
    publish_both(chat)
    clock.current = datetime(2026, 6, 30, 4, tzinfo=UTC)
    assert "积分 +3" in chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://sgrb.example/1")
    clock.current = datetime(2026, 7, 1, 4, tzinfo=UTC)
    assert "积分 +2" in chat.as_member("zhangsan").says("刊发 #1 南方网 https://southcn.example/1")
    assert "张三（办公室）3 分" in chat.as_member("admin").says("排行 2026Q2")
    for quarter in ("2026Q3", "2026-Q3", "2026 q3", "2026年第3季度", "2026年三季度"):
        assert "张三（办公室）2 分" in chat.as_member("admin").says(f"排行 {quarter}")
    assert "张三（办公室）5 分" in chat.as_member("admin").says("排行 2026")
    assert "积分：5（1 篇）" in chat.as_member("zhangsan").says("积分 2026年")


def test_without_an_editor_the_author_keeps_the_editors_share(newsroom: Runtime) -> None:
    from sqlalchemy import update

    with newsroom.sessions.begin() as session:
        session.get(RewardRules, 1).editor_share = 0.5
    chat = ChatDriver(newsroom)
    publish_both(chat)
    with newsroom.sessions.begin() as session:
        session.execute(update(Draft).values(editor_id=None))
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://sgrb.example/1")
    assert "张三（办公室）3 分" in chat.as_member("admin").says("排行")
    assert "李四" not in chat.as_member("admin").says("排行")


def test_cohort_rate_and_levels_in_the_month(newsroom: Runtime, clock: FrozenClock) -> None:
    chat = ChatDriver(newsroom)
    clock.current = datetime(2026, 4, 28, 2, tzinfo=UTC)
    publish_both(chat)
    drain(newsroom)  # sent in April
    clock.current = datetime(2026, 5, 3, 2, tzinfo=UTC)
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://sgrb.example/1")
    april, may = chat.as_member("admin").says("统计 2026-04"), chat.as_member("admin").says("统计 2026-05")
    assert "韶关日报 1/0/100%" in april and "南方网 1/0/0%" in april  # half of April's submissions were used
    assert "韶关日报 0/1/—" in may and "市级 0/1/—" in may


class GreylistingMailbox(Mailbox):
    """Says "try later" to the first RCPT, as greylisting servers do."""

    refused: int = 0

    async def handle_RCPT(self, server, session, envelope, address, options):
        if not self.refused:
            self.refused += 1
            return "450 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_greylisting_is_retried_and_a_dead_mail_is_reported_and_can_be_sent_again(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    mailbox.down()
    grey = GreylistingMailbox(port=mailbox.port).up()
    try:
        chat = ChatDriver(newsroom)
        approved_draft(chat)
        chat.as_member("lisi").says("投递 #1 韶关日报")
        drain(newsroom)
        with newsroom.sessions.begin() as session:
            assert session.scalars(select(Submission.state)).one() == SubmissionState.queued
        clock.advance(minutes=5)
        drain(newsroom)
        assert [m["To"] for m in grey.messages] == ["tougao@sgrb.example"]
        assert grey.messages[0]["Date"]
    finally:
        grey.down()
    chat.as_member("lisi").says("投递 #1 南方网")
    from bot import outbox as outbox_module
    from models import OutboxMessage as Row

    with newsroom.sessions.begin() as session:  # the mail server refuses for good: a dead letter
        row = session.scalars(select(Row).where(Row.channel == "mail", Row.state == OutboxState.pending)).one()
        row.attempts = outbox_module.MAX_ATTEMPTS
    drain(newsroom)  # nothing listens: the last attempt fails
    assert any("投递南方网失败，邮件没有发出，管理员已收到原因" in line for line in sent.lines)  # the error: theirs
    with newsroom.sessions.begin() as session:
        states = dict(session.execute(select(Submission.outlet_id, Submission.state)).all())
        assert SubmissionState.failed in states.values()
    mailbox.up()
    assert "已排队投递：南方网" in chat.as_member("lisi").says("投递 #1 南方网")
    drain(newsroom)
    assert [m["To"] for m in mailbox.messages] == ["news@southcn.example"]


def test_templates_links_and_spreadsheet_cells(newsroom: Runtime) -> None:
    from bot.reports import _cell

    chat = ChatDriver(newsroom)
    assert "署名模板只能使用" in chat.as_member("admin").says("媒体 修改 韶关日报 署名=通讯员{name}")
    for bad in ("{title.__class__}", "{title[0]}", "{title:>9999}", "{title!r}", "{}", "{title", "【{0}】"):
        assert "邮件标题模板只能使用 {title} {author} {department} {outlet}" in chat.as_member("admin").says(
            f"媒体 修改 韶关日报 邮件标题={bad}")
    assert "已修改" in chat.as_member("admin").says("媒体 修改 韶关日报 邮件标题=【投稿】{title}（{outlet}）")
    publish_both(chat)
    assert "积分 +3" in chat.as_member("lisi").says("刊发 #1 https://sgrb.example/1 韶关日报")  # swapped is fine
    assert (_cell(0.1 + 0.2), _cell(0.375), _cell(1 / 3)) == (0.3, 0.375, 0.333333)  # as 排行 shows them ({:g})
    assert _cell("张\x01三") == "张三"  # a row stored before names were cleaned: openpyxl refuses the character


def test_a_publication_recorded_late_counts_on_the_day_it_appeared(newsroom: Runtime, clock: FrozenClock) -> None:
    chat = ChatDriver(newsroom)
    clock.current = datetime(2026, 4, 28, 2, tzinfo=UTC)
    approved_draft(chat)
    clock.current = datetime(2026, 5, 3, 2, tzinfo=UTC)
    author = chat.as_member("zhangsan")
    recorded = author.says("刊发 #1 韶关日报 https://www.sgrb.example/1.html 4月30日")
    assert "已登记稿件 #1 在韶关日报（市级）刊发（4月30日），积分 +3" in recorded
    assert "刊发 1 篇次（" in author.says("统计 2026-04") and "刊发 0 篇次（" in author.says("统计 2026-05")
    assert "积分：3（1 篇）" in author.says("积分 2026")
    late = author.says("刊发 #1 南方网 https://news.southcn.example/1.html 2026-05-02 头版")
    assert "刊发（5月2日），积分 +7" in late  # 5 × 2 under 多方采用按最高计: 10 − 3
    corrected = author.says("刊发 #1 韶关日报 https://www.sgrb.example/1.html 5月1日")
    assert "刊发日期改为 2026-05-01（积分不变）" in corrected
    assert "刊发 0 篇次（" in author.says("统计 2026-04") and "刊发 2 篇次（" in author.says("统计 2026-05")
    assert "已登记" in author.says("刊发 #1 韶关日报 https://www.sgrb.example/1.html")  # no day: the day stays
    with newsroom.sessions.begin() as session:
        days = {s.outlet.name: str(s.published_on) for s in session.scalars(select(Submission))}
    assert days == {"韶关日报": "2026-05-01", "南方网": "2026-05-02"}
    assert "还没到" in author.says("刊发 #1 韶关日报 https://www.sgrb.example/1.html 2026-05-04")
    early = author.says("刊发 #1 韶关日报 https://www.sgrb.example/1.html 4月27日")
    assert "早于稿件 #1 的投稿日期 2026-04-28" in early
    # A day just ahead is a typo, not last year's (which would also be before the draft).
    ahead = author.says("刊发 #1 韶关日报 https://www.sgrb.example/1.html 5月4日")
    assert "5月4日还没到。去年的请写 2025年5月4日。" in ahead
    assert "「2月30日」不是有效的日期" in author.says("刊发 #1 韶关日报 https://www.sgrb.example/1.html 2月30日")
    # The group reads a late record's day, with a link too; a publication of today says none (found by a review).
    posts = [m.payload["markdown"]["content"] for m in chat.outbox() if m.channel == "group"]
    assert "> 刊发日期：2026-04-30\n> 链接：" in posts[0] and "> 刊发日期：2026-05-02" in posts[1]
    assert "> 刊发日期：2026-05-01" in posts[2]
    assert "用稿反馈已发到工作群" in author.says("刊发 #1 乐昌市政府网 https://www.lechang.example/1.html")
    [today] = [m.payload["markdown"]["content"] for m in chat.outbox() if "lechang.example" in str(m.payload)]
    assert "刊发日期" not in today


def test_members_words_make_no_links_in_the_groups_feedback(newsroom: Runtime, sent: Sent) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat, title="标题[点我](http://evil.example)")
    chat.as_member("zhangsan").says("刊发 #1 南方网 https://news.southcn.example/a)[假](http://evil.example")
    drain(newsroom)
    [feedback] = [line for line in sent.lines if "用稿反馈" in line]
    assert "《标题［点我］(http://evil.example)》" in feedback
    assert feedback.endswith("> 链接：[https://news.southcn.example/a)［假］(http://evil.example]"
                             "(https://news.southcn.example/a%29%5B假%5D%28http://evil.example)")


def test_a_link_too_long_is_called_too_long(newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    reply = chat.as_member("zhangsan").says("刊发 #1 南方网 https://news.southcn.example/" + "a" * 1000)
    assert "链接太长（1029 字节，最多 1000；中文每字算 3 字节）" in reply
    reply = chat.as_member("zhangsan").says("刊发 #1 南方网 https://news.southcn.example/" + "新闻" * 200)
    assert "链接太长（1229 字节" in reply


def test_feedback_with_the_longest_title_and_link_is_one_group_message(newsroom: Runtime, sent: Sent) -> None:
    from bot.domain.drafts import TITLE_MAX_CHARS
    from bot.domain.links import URL_MAX

    chat = ChatDriver(newsroom)
    approved_draft(chat, title="乐" * TITLE_MAX_CHARS)
    url = "https://news.southcn.example/" + "a" * (URL_MAX - 29)
    assert "积分 +5" in chat.as_member("zhangsan").says(f"刊发 #1 南方网 {url}")
    drain(newsroom)
    [feedback] = [line for line in sent.lines if "用稿反馈" in line]
    assert len(feedback.encode()) <= 2000 and f"> 链接：[打开原文]({url})" in feedback


def test_a_bare_link_asks_which_draft_and_outlet_and_records_nothing(newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    publish_both(chat)  # #1 乐昌开展世界地球日宣传, sent to 韶关日报 and 南方网
    approved_draft(chat, title="自然资源局开展防灾演练")  # #2, not sent anywhere yet
    link = "https://www.sgrb.example/content/2026-04/23/1.html"
    asked = chat.as_member("zhangsan").says(link)
    assert "尚未登记" in asked and f"刊发 #编号 媒体名称 {link}" in asked
    assert "#1《乐昌开展世界地球日宣传》，已投递：韶关日报、南方网" in asked and "#2《自然资源局开展防灾演练》" in asked

    titled = chat.as_member("zhangsan").says(f"《乐昌开展世界地球日宣传》{link}")
    assert "这是稿件 #1《乐昌开展世界地球日宣传》的刊发链接吗" in titled
    assert f"刊发 #1 韶关日报 {link}" in titled and f"刊发 #1 南方网 {link}" in titled
    outlet_named = chat.as_member("zhangsan").says(f"韶关日报刊发了 乐昌开展世界地球日宣传 {link}，请登记")
    assert f"刊发 #1 韶关日报 {link}" in outlet_named and "南方网" not in outlet_named
    assert f"刊发 #2 媒体名称 {link}\n" not in asked  # a list, not a guess
    numbered = chat.as_member("zhangsan").says(f"＃2 链接：“{link}”")
    assert numbered.endswith(f"刊发 #2 媒体名称 {link}")  # the quotes around it are not part of the address
    assert "不是有效的文章链接" in chat.as_member("zhangsan").says("看看这个 https://")
    typo = chat.as_member("zhangsan").says(f"投搞 标题\n正文，来源：{link}")  # a link in the body of a typo
    assert typo.startswith("未能识别「投搞 标题」")
    assert "没有批准后等待刊发的稿件" in chat.as_member("xiaoli").says(link)  # 小李 has no approved draft
    with newsroom.sessions.begin() as session:
        assert session.scalar(select(Submission).where(Submission.state == SubmissionState.published)) is None

    confirmed = chat.as_member("zhangsan").says(f"刊发 #1 韶关日报 {link}")  # the suggested command, sent back
    assert "已登记稿件 #1 在韶关日报" in confirmed


def test_a_shared_link_card_from_the_app_is_a_bare_link(newsroom: Runtime) -> None:
    from bot.messages import Incoming
    from bot.wecom.app_messages import to_incoming

    chat = ChatDriver(newsroom)
    publish_both(chat)
    card = to_incoming("<xml><ToUserName>ww1</ToUserName><FromUserName>zhangsan</FromUserName>"
                       "<CreateTime>1776900000</CreateTime><MsgType>link</MsgType>"
                       "<Title><![CDATA[乐昌开展世界地球日宣传]]></Title><Description>韶关日报</Description>"
                       "<Url><![CDATA[https://www.sgrb.example/a/1.html]]></Url><MsgId>987654321</MsgId></xml>")
    assert isinstance(card, Incoming) and card.kind == "link"
    reply = newsroom.commands.handle(card).text
    assert "这是稿件 #1《乐昌开展世界地球日宣传》的刊发链接吗" in reply
    assert "刊发 #1 韶关日报 https://www.sgrb.example/a/1.html" in reply


def test_one_link_is_one_publication(newsroom: Runtime) -> None:
    """Pasting one article's link for a second outlet, or for another draft, would count its points twice."""
    with newsroom.sessions.begin() as session:
        session.get(RewardRules, 1).policy = "sum"
    chat = ChatDriver(newsroom)
    publish_both(chat)
    approved_draft(chat, title="另一篇稿件", text=ARTICLE + "另一篇", author="xiaoli")
    link = "https://www.sgrb.example/2026/0512/1.html"
    assert "积分 +3" in chat.as_member("zhangsan").says(f"刊发 #1 韶关日报 {link}")
    for command in (f"刊发 #1 南方网 {link}", f"刊发 #2 韶关日报 {link}"):
        assert "这个链接已登记为稿件 #1 在韶关日报的刊发，同一篇文章只登记一次" in chat.as_member("lisi").says(command)
    assert "无需重复" in chat.as_member("zhangsan").says(f"刊发 #1 韶关日报 {link}")  # its own link, again
    assert "积分：3（1 篇）" in chat.as_member("zhangsan").says("积分 2026")
    with newsroom.sessions.begin() as session:
        assert session.scalar(select(func.count()).where(Submission.state == SubmissionState.published)) == 1


def test_an_admin_takes_back_a_mistaken_publication(newsroom: Runtime, sent: Sent) -> None:
    """撤销刊发: the wrong outlet recorded (头版 and all) comes off the points, the figures and the group's record;
    the right one can then be recorded, with its own 用稿反馈."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    wrong = "https://news.southcn.example/a/1.html"
    assert "积分 +10" in chat.as_member("zhangsan").says(f"刊发 #1 南方网 {wrong} 头版")
    assert "需要管理员角色" in chat.as_member("zhangsan").says("撤销刊发 #1 南方网 登错了")
    assert "请写媒体和原因" in chat.as_member("admin").says("撤销刊发 #1 南方网")
    assert "请写媒体和原因" in chat.as_member("admin").says("撤销刊发 #1 南方网：")
    reply = chat.as_member("admin").says("撤销刊发 #1 南方网，应为韶关日报")  # as 刊发 reads, after 「，」 too
    assert reply.startswith("已撤销稿件 #1 在南方网的刊发登记，扣除 10 分，更正已发到工作群。"), reply
    assert "没有登记刊发，无需撤销" in chat.as_member("admin").says("撤销刊发 #1 南方网 应为韶关日报")
    assert "还没有刊发" in chat.as_member("zhangsan").says("积分 2026")
    assert "刊发 0 篇次" in chat.as_member("admin").says("统计 2026-05")
    with newsroom.sessions.begin() as session:
        assert session.get(Draft, 1).state == DraftState.approved  # nothing of it went out: as before 刊发
        assert session.scalars(select(Submission)).all() == []
    assert "积分 +3" in chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://www.sgrb.example/1.html")
    assert "积分：3（1 篇）" in chat.as_member("zhangsan").says("积分 2026")
    drain(newsroom)
    feedback = [line for line in sent.lines if "用稿反馈" in line]
    assert len(feedback) == 3, feedback
    assert "《乐昌开展世界地球日宣传》在南方网的刊发登记已撤销" in feedback[1] and "> 原因：应为韶关日报" in feedback[1]
    assert "> 积分：本稿现为 0 分（扣除 10 分）" in feedback[1]
    assert "韶关日报（市级）" in feedback[2]
    assert "撤销刊发" in chat.as_member("admin").says("稿件 #1")


def test_a_publication_taken_back_after_our_mail_leaves_the_mail_on_record(newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    publish_both(chat)
    drain(newsroom)
    chat.as_member("lisi").says("刊发 #1 韶关日报 https://www.sgrb.example/1.html")
    chat.as_member("lisi").says("刊发 #1 南方网 https://news.southcn.example/a/1.html")
    assert "扣除 0 分" not in chat.as_member("admin").says("撤销刊发 #1 韶关日报 媒体已撤稿")
    with newsroom.sessions.begin() as session:
        states = {s.outlet.name: (s.state, s.url) for s in session.scalars(select(Submission))}
        assert states == {"韶关日报": (SubmissionState.sent, None),
                          "南方网": (SubmissionState.published, "https://news.southcn.example/a/1.html")}
        assert session.get(Draft, 1).state == DraftState.published  # 南方网 still has it
    chat.as_member("admin").says("撤销刊发 #1 南方网 链接有误")
    with newsroom.sessions.begin() as session:
        assert session.get(Draft, 1).state == DraftState.submitted  # both e-mails went: waiting for a publication
    figures = chat.as_member("admin").says("统计 2026-05")
    assert "投递 2 次，刊发 0 篇次" in figures, figures


def test_taking_back_a_publication_recorded_before_our_mail_left_keeps_the_mail(newsroom: Runtime,
                                                                                mailbox: Mailbox) -> None:
    """刊发 came first, so the queued e-mail was never sent: taken back, the 投递 is on record and may go out."""
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    assert "已排队投递：南方网" in chat.as_member("lisi").says("投递 #1 南方网")
    chat.as_member("lisi").says("刊发 #1 南方网 https://news.southcn.example/a/1.html")
    reply = chat.as_member("admin").says("撤销刊发 #1 南方网 链接是别人的文章")
    assert reply.endswith("\n登记刊发时，给南方网的投稿邮件还没有发出；需要投递时请发送「投递 #1 南方网」。")
    with newsroom.sessions.begin() as session:
        [submission] = session.scalars(select(Submission)).all()
        assert submission.state == SubmissionState.failed and session.get(Draft, 1).state == DraftState.submitted
    assert "已排队投递：南方网" in chat.as_member("lisi").says("投递 #1 南方网")
    drain(newsroom)
    assert len(mailbox.messages) == 1


@pytest.mark.parametrize("same", ["https://www.sgrb.example/2026/0512/1/", "http://WWW.SGRB.example:80/2026/0512/1",
                                  "https://www.sgrb.example/2026/0512/1#top"])
def test_one_articles_link_written_differently_is_still_one_publication(same: str, newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    publish_both(chat)
    assert "积分 +3" in chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://www.sgrb.example/2026/0512/1")
    assert "同一篇文章只登记一次" in chat.as_member("lisi").says(f"刊发 #1 南方网 {same}")
    hash_route = "https://www.sgrb.example/2026/0512/1#/app/2"  # another page of a one-page site
    assert "积分 +2" in chat.as_member("lisi").says(f"刊发 #1 南方网 {hash_route}")


@pytest.mark.parametrize(("first", "same"), [
    ("https://www.sgrb.example/2026/%E6%96%B0%E9%97%BB/1.html", "https://www.sgrb.example/2026/%e6%96%b0%e9%97%bb/1.html"),
    ("https://www.sgrb.example/2026/%E6%96%B0%E9%97%BB/1.html", "https://www.sgrb.example/2026/新闻/1.html"),
    ("https://乐昌.政务.example/2026/1.html", "https://xn--fjq919c.xn--zfr164b.example/2026/1.html"),
])
def test_one_articles_link_in_chinese_or_percent_encoded_is_still_one_publication(first: str, same: str,
                                                                                 newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    publish_both(chat)
    assert "积分 +3" in chat.as_member("zhangsan").says(f"刊发 #1 韶关日报 {first}")
    assert "同一篇文章只登记一次" in chat.as_member("lisi").says(f"刊发 #1 南方网 {same}")


def test_a_long_chinese_link_keeps_a_key_of_fixed_length(newsroom: Runtime) -> None:
    """Percent-encoded, 300 Chinese characters are 2,700: the key is a hash, whatever the link's length."""
    chat = ChatDriver(newsroom)
    publish_both(chat)
    assert "积分 +3" in chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://www.sgrb.example/" + "新" * 300)
    with newsroom.sessions.begin() as session:
        assert sorted(len(key or "") for key in session.scalars(select(Submission.link_key))) == [0, 64]


def test_the_editor_is_told_when_a_mail_never_sent_may_go_now(newsroom: Runtime) -> None:
    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网")
    chat.as_member("lisi").says("刊发 #1 南方网 https://news.southcn.example/a/1.html")
    chat.as_member("admin").says("撤销刊发 #1 南方网 链接是别人的文章")
    [told] = [m.payload["text"]["content"] for m in chat.outbox() if m.dedupe_key.startswith("revoked:")]
    assert told.endswith("给南方网的投稿邮件还没有发出；需要投递时请发送「投递 #1 南方网」。")


def test_the_outlet_reads_the_title_and_text_exactly_as_approved(newsroom: Runtime, mailbox: Mailbox) -> None:
    """A blank between 主标题 and 副标题 stays in the Subject (Python folded it between two encoded words, where
    mail readers drop it); a line beginning with "From " stays as written (not ">From "); a Windows .txt's line
    ends give one Word paragraph per paragraph, with no line break left at the end of each."""
    chat = ChatDriver(newsroom)
    title = "开展地质灾害应急演练 筑牢安全防线"
    short_lines = "\n".join(["外国友人这样写道：乐昌山清水秀。"] * 40)  # sent as 8bit before, not base64
    text = f"乐昌市自然资源局开展国际交流活动。\nFrom Lechang to the world\n{short_lines}"
    approved_draft(chat, title=title, text=text)
    notepad = ARTICLE.replace("\n", "\r\n").encode("gb18030")
    approved_draft(chat, title="记事本稿件", text=extract_text("稿.txt", notepad))
    chat.as_member("lisi").says("投递 #1 南方网")
    chat.as_member("lisi").says("投递 #2 南方网")
    drain(newsroom)
    by_subject = {m["Subject"]: m for m in mailbox.messages}
    first = by_subject[f"【投稿】{title}（乐昌市自然资源局 张三）"]
    assert text in first.get_body(("plain",)).get_content().replace("\r\n", "\n")
    [attachment] = list(by_subject["【投稿】记事本稿件（乐昌市自然资源局 张三）"].iter_attachments())
    paragraphs = [p.text for p in Document(io.BytesIO(attachment.get_content())).paragraphs]
    assert paragraphs[2:7] == ARTICLE.split("\n")


def test_no_blank_of_a_chinese_subject_is_lost_wherever_it_falls() -> None:
    """RFC 2047 readers drop the blanks between encoded words: every blank must be inside one."""
    for cut in range(1, 40):
        title = ("乐昌市自然资源局开展地质灾害应急演练筑牢安全防线守护群众生命财产安全" * 2)[:40]
        subject = f"【投稿】{title[:cut]} {title[cut:]}（乐昌市自然资源局 张三）"
        message = EmailMessage(policy=mail.OUTLET_POLICY)
        message["Subject"] = subject
        message.set_content("正文")
        raw = message.as_bytes()
        assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject, cut
        assert max(len(line) for line in raw.splitlines()) <= 78


@pytest.mark.parametrize(("first", "then", "points"), [("第1版", "第3版", 3.0), ("第3版", "第1版", 6.0)])
def test_头版_corrected_after_the_multiplier_changed_keeps_the_rules_of_its_day(
        first: str, then: str, points: float, newsroom: Runtime, clock: FrozenClock) -> None:
    """A city publication recorded under ×2, the multiplier then set to ×3, the page corrected later: its points
    are of its day (3 without 头版, 6 with), not 6 / 3 = 2 or 3 × 3 = 9 (found by a review of rewards)."""
    from bot.domain import rewards

    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("zhangsan").says(f"刊发 #1 韶关日报 {first}")
    with newsroom.sessions.begin() as session:
        rewards.change(session, {"front_page_multiplier": "3"}, "admin", clock())
    chat.as_member("zhangsan").says(f"刊发 #1 韶关日报 {then}")
    with newsroom.sessions.begin() as session:
        assert session.scalars(select(Submission.points)).all() == [points]


def test_reprice_gives_a_later_头版_the_multiplier_of_the_rules_it_applied(newsroom: Runtime,
                                                                          clock: FrozenClock) -> None:
    """reprice puts today's rules on the publications since a day: a 头版 learnt after it takes today's ×3, also for
    a publication whose points reprice left as they were (found by a review of today's changes)."""
    from bot.domain import rewards

    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 第3版")
    with newsroom.sessions.begin() as session:
        rewards.change(session, {"front_page_multiplier": "3"}, "admin", clock())
        rewards.reprice(session, date(2026, 1, 1), "admin", clock())
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 第1版")
    with newsroom.sessions.begin() as session:
        assert session.scalars(select(Submission.points)).all() == [9.0]


def test_changing_the_level_of_an_outlet_with_publications_says_what_it_changes(newsroom: Runtime) -> None:
    """Points stay as paid; figures read the level as it is now (found by a review of rewards)."""
    chat = ChatDriver(newsroom)
    admin = chat.as_member("admin")
    assert "注意" not in admin.says("媒体 修改 韶关日报 级别=省级")  # nothing published there yet
    approved_draft(chat)
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 第3版")
    changed = admin.says("媒体 修改 韶关日报 级别=市级")
    assert "已登记的 1 篇次刊发积分不变，但统计、结算表和年度总结按新级别显示" in changed
    assert "注意" not in admin.says("媒体 修改 韶关日报 署名=通讯员")  # only the level


def test_the_same_link_written_another_way_is_no_correction(chat: ChatDriver) -> None:
    """The editor records the author's publication again from his browser's address bar (http, a trailing slash,
    an anchor): each was posted to the group as 用稿反馈（更正） 「链接已更正」, and the link recorded was changed."""
    number = approved_draft(chat)
    link = "https://www.sgrb.example/2026/0512/1.html"
    chat.as_member("zhangsan").says(f"刊发 #{number} 韶关日报 {link}")
    for written in ("http://www.sgrb.example/2026/0512/1.html", f"{link}/", f"{link}#comments"):
        assert "无需重复" in chat.as_member("lisi").says(f"刊发 #{number} 韶关日报 {written}")
    with chat.runtime.sessions.begin() as session:
        assert [s.url for s in session.scalars(select(Submission))] == [link]
        posts = session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("published:%"))).all()
    assert len(posts) == 1
