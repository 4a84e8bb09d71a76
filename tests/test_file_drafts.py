"""Files become drafts: queued by the callback, downloaded and read in the background."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.config import Settings
from bot.documents import FileRefused, extract_text
from bot.runtime import Runtime
from models import AuditEvent, Draft, DraftFile, DraftVersion, OutboxMessage, OutboxState
from tests.conftest import ChatDriver, FrozenClock
from tests.fake_wecom import CORP_ID, FakeWeCom
from tests.test_delivery import drain
from tests.wecom_sim import WeComSimulator, file_message

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_bytes(*paragraphs: str) -> bytes:
    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def send_file(runtime: Runtime, clock: FrozenClock, userid: str, media_id: str, filename: str = "") -> str:
    wecom = WeComSimulator(now=clock.timestamp, corp_id=CORP_ID)
    with TestClient(create_app(runtime, dispatcher=False, wall_clock=clock.timestamp)) as client:
        callback = wecom.callback(file_message(wecom, userid, media_id, filename))
        response = client.post("/wecom/callback", params=callback.query, content=callback.body)
        assert response.status_code == 200
        return wecom.reply_content(response.text)


def told(runtime: Runtime, userid: str) -> list[str]:
    with runtime.sessions.begin() as session:
        return [m.payload["text"]["content"] for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == userid, OutboxMessage.channel == "app")
            .order_by(OutboxMessage.id))]


def test_a_docx_becomes_a_draft_in_the_background(live: Runtime, fake_wecom: FakeWeCom,
                                                  clock: FrozenClock) -> None:
    data = docx_bytes("4月22日，我局在人民广场开展“世界地球日”宣传活动。", "", "活动吸引群众300余人。")
    fake_wecom.media["M1"] = (DOCX_TYPE, "乐昌开展地球日宣传.docx", data)
    reply = send_file(live, clock, "zhangsan", "M1")
    assert reply.startswith("已收到文件，正在读取")
    assert fake_wecom.of("media/get") == []  # nothing downloaded inside the callback
    drain(live)
    with live.sessions.begin() as session:
        draft = session.scalars(select(Draft)).one()
        version = session.scalars(select(DraftVersion)).one()
        original = session.scalars(select(DraftFile)).one()
        assert (draft.title, draft.editor.userid) == ("乐昌开展地球日宣传", "lisi")
        assert version.text == "4月22日，我局在人民广场开展“世界地球日”宣传活动。\n\n活动吸引群众300余人。"
        assert (original.filename, original.size, original.data) == ("乐昌开展地球日宣传.docx", len(data), data)
    [notice] = told(live, "zhangsan")
    assert notice.startswith("已根据文件「乐昌开展地球日宣传.docx」创建稿件 #1《乐昌开展地球日宣传》")
    assert "编辑：李四" in notice
    assert told(live, "lisi")[0].startswith("新稿件 #1《乐昌开展地球日宣传》")
    assert {m.state for m in live_rows(live)} == {OutboxState.sent}


def test_the_same_file_sent_again_is_no_second_draft(live: Runtime, fake_wecom: FakeWeCom,
                                                    clock: FrozenClock) -> None:
    fake_wecom.media["M1"] = (DOCX_TYPE, "乐昌开展地球日宣传.docx", docx_bytes("活动吸引群众300余人。"))
    fake_wecom.media["M2"] = fake_wecom.media["M1"]  # sent again: a new message, a new media_id
    send_file(live, clock, "zhangsan", "M1")
    drain(live)
    send_file(live, clock, "zhangsan", "M2")
    drain(live)
    assert told(live, "zhangsan")[-1].startswith(
        "文件「乐昌开展地球日宣传.docx」未能投稿：这篇稿件已投过：#1《乐昌开展地球日宣传》")
    with live.sessions.begin() as session:
        assert len(session.scalars(select(Draft)).all()) == 1


def live_rows(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.sessions.begin() as session:
        return list(session.scalars(select(OutboxMessage)))


@pytest.mark.parametrize(("filename", "content_type", "data", "expected"), [
    ("报告.pdf", "application/pdf", b"%PDF-1.4", "不是 .docx 或 .txt"),
    ("旧稿.doc", "application/msword", b"\xd0\xcf\x11\xe0", "另存为 .docx"),
    ("改名.docx", DOCX_TYPE, b"not a zip", "不是有效的 .docx"),
    ("空白.docx", DOCX_TYPE, docx_bytes(""), "没有文字"),
])
def test_unusable_files_are_explained_and_make_no_draft(filename: str, content_type: str, data: bytes,
                                                        expected: str, live: Runtime, fake_wecom: FakeWeCom,
                                                        clock: FrozenClock) -> None:
    fake_wecom.media["M"] = (content_type, filename, data)
    send_file(live, clock, "zhangsan", "M")
    drain(live)
    assert expected in told(live, "zhangsan")[0]
    with live.sessions.begin() as session:
        assert session.scalars(select(Draft)).all() == []


def test_too_large_and_expired_files(live: Runtime, wecom_settings: Settings, fake_wecom: FakeWeCom,
                                     clock: FrozenClock) -> None:
    live.transports["file"]._settings = wecom_settings.model_copy(update={"file_max_bytes": 1024})  # type: ignore[attr-defined]
    fake_wecom.media["BIG"] = (DOCX_TYPE, "大.docx", docx_bytes("字" * 5000))
    send_file(live, clock, "zhangsan", "BIG")
    send_file(live, clock, "zhangsan", "GONE")
    drain(live)
    assert [("超过" in t, "已过期" in t) for t in told(live, "zhangsan")] == [(True, False), (False, True)]


def test_download_trouble_is_retried_and_a_rerun_never_makes_a_second_draft(
        live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    fake_wecom.media["M1"] = ("text/plain", "乡村振兴.txt", "第一段。\n第二段。".encode("gb18030"))
    fake_wecom.fail("media/get", "http502", -1)
    send_file(live, clock, "zhangsan", "M1")
    for _ in range(3):
        drain(live)
        clock.advance(minutes=5)
    with live.sessions.begin() as session:
        assert session.scalars(select(DraftVersion.text)).all() == ["第一段。\n第二段。"]
        job = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "file")).one()
    live.transports["file"].send(job)  # as if the dispatcher died before marking the job sent
    with live.sessions.begin() as session:
        assert len(session.scalars(select(Draft)).all()) == 1


def test_files_dir_keeps_originals_on_disk(live: Runtime, wecom_settings: Settings, fake_wecom: FakeWeCom,
                                           clock: FrozenClock, tmp_path: Path) -> None:
    live.transports["file"]._settings = wecom_settings.model_copy(update={"files_dir": str(tmp_path / "files")})  # type: ignore[attr-defined]
    data = docx_bytes("正文")
    fake_wecom.media["M1"] = (DOCX_TYPE, "稿.docx", data)
    send_file(live, clock, "zhangsan", "M1", filename="稿.docx")
    drain(live)
    with live.sessions.begin() as session:
        original = session.scalars(select(DraftFile)).one()
    assert original.data is None and Path(original.path or "").read_bytes() == data


def test_who_may_send_files_and_local_mode(chat: ChatDriver, sent: object) -> None:
    from bot.messages import Incoming

    reply = chat.runtime.commands.handle(Incoming("app", "wangwu", "f1", kind="file", media_id="M"))
    assert reply is not None and "需要通讯员角色" in reply.text
    reply = chat.runtime.commands.handle(Incoming("app", "zhangsan", "f2", kind="file", media_id="M",
                                                  filename="稿.docx"))
    assert reply is not None and "已收到文件「稿.docx」" in reply.text
    chat.runtime.transports["file"] = chat.runtime._transports()["file"]  # the real job, without a client
    drain(chat.runtime)
    assert any("本地模式下无法从企业微信下载文件" in line for line in sent.lines)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "data", "text"), [
    ("a.txt", "中文".encode(), "中文"),
    ("b.txt", "\ufeff带BOM".encode(), "带BOM"),
    ("c.txt", "国标编码".encode("gb18030"), "国标编码"),
    ("d.docx", docx_bytes("甲", "乙"), "甲\n乙"),
])
def test_extract_text(name: str, data: bytes, text: str) -> None:
    assert extract_text(name, data) == text


def test_undecodable_text_is_refused() -> None:
    with pytest.raises(FileRefused):
        extract_text("x.txt", b"\xff\xfe\x00\xd8" * 3)


def rezip(original: bytes, replace: dict[str, bytes]) -> bytes:
    """A copy of a .docx with some parts replaced."""
    import zipfile

    source, target = zipfile.ZipFile(io.BytesIO(original)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item.filename, replace.get(item.filename, source.read(item.filename)))
    return target.getvalue()


def test_hostile_and_broken_docx_are_refused_before_parsing() -> None:
    bomb = rezip(docx_bytes("x"), {"word/document.xml": b"<" + b" " * (11 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(FileRefused, match="解压后过大"):
        extract_text("炸弹.docx", bomb)
    broken = rezip(docx_bytes("x"), {"word/document.xml": b"<w:document><unclosed"})
    with pytest.raises(FileRefused, match="无法打开"):
        extract_text("坏.docx", broken)


def test_utf16_text_and_content_type_checks() -> None:
    from bot.documents import check_content_type

    assert extract_text("记事本.txt", "记事本的Unicode".encode("utf-16")) == "记事本的Unicode"
    check_content_type("稿.docx", DOCX_TYPE)
    check_content_type("稿.txt", "application/octet-stream")
    with pytest.raises(FileRefused, match="image/jpeg"):
        check_content_type("照片.docx", "image/jpeg")


def test_a_file_job_that_dies_tells_the_member(live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    fake_wecom.fail("media/get", 40004)
    send_file(live, clock, "zhangsan", "M1", filename="稿.docx")
    drain(live)
    assert "暂时无法读取" in told(live, "zhangsan")[-1]
    assert any("zhangsan 发来的文件「稿.docx」" in text for text in told(live, "admin"))


def test_a_file_followed_by_a_title_takes_that_title(live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    """Product: a file with caption or followed by 「投稿 标题」."""
    chat = ChatDriver(live)
    fake_wecom.media["M1"] = (DOCX_TYPE, "新建文档.docx", docx_bytes("4月22日，我局开展世界地球日宣传活动。"))
    fake_wecom.media["M2"] = (DOCX_TYPE, "稿子2.docx", docx_bytes("我局开展地质灾害应急演练。"))
    send_file(live, clock, "zhangsan", "M1", "新建文档.docx")
    waiting = chat.as_member("zhangsan").says("投稿 乐昌开展世界地球日宣传")  # before the file was read
    assert "文件「新建文档.docx」正在读取，稿件将以《乐昌开展世界地球日宣传》为标题" in waiting
    drain(live)
    assert "创建稿件 #1《乐昌开展世界地球日宣传》" in told(live, "zhangsan")[-1]
    assert "标题取自您的「投稿」" in told(live, "zhangsan")[-1]

    send_file(live, clock, "zhangsan", "M2", "稿子2.docx")
    drain(live)  # read first, titled after
    retitled = chat.as_member("zhangsan").says("投稿 乐昌开展地质灾害应急演练")
    assert "已将稿件 #2 的标题改为《乐昌开展地质灾害应急演练》（原为《稿子2》）" in retitled
    assert "如需提交新稿件" in retitled
    with live.sessions.begin() as session:
        editor = session.get(Draft, 2).editor.userid
    assert told(live, editor)[-1] == "作者把稿件 #2 的标题改为《乐昌开展地质灾害应急演练》。"
    # Titled once, the draft keeps it: a later 「投稿 标题」 is a new draft's first line, which needs its text.
    assert "请在标题的下一行起写正文" in chat.as_member("zhangsan").says("投稿 另一篇的标题")
    with live.sessions.begin() as session:
        assert [d.title for d in session.scalars(select(Draft).order_by(Draft.id))] == [
            "乐昌开展世界地球日宣传", "乐昌开展地质灾害应急演练"]
        assert session.scalar(select(AuditEvent.comment).where(AuditEvent.action == "retitle")) == (
            "稿子2 → 乐昌开展地质灾害应急演练")
    assert "张三 改标题：稿子2 → 乐昌开展地质灾害应急演练" in chat.as_member("zhangsan").says("稿件 #2")

    assert "请在标题的下一行起写正文" in chat.as_member("xiaoli").says("投稿 小李的标题")  # sent no file at all


def test_a_title_comes_too_late_for_a_revised_draft_or_an_old_file(live: Runtime, fake_wecom: FakeWeCom,
                                                                    clock: FrozenClock) -> None:
    chat = ChatDriver(live)
    fake_wecom.media["M1"] = (DOCX_TYPE, "稿子.docx", docx_bytes("我局开展地质灾害应急演练。"))
    send_file(live, clock, "zhangsan", "M1", "稿子.docx")
    drain(live)
    assert "最多 100 个字" in chat.as_member("zhangsan").says("投稿 " + "长" * 101)
    with live.sessions.begin() as session:
        editor = session.get(Draft, 1).editor.userid
    assert "v2" in chat.as_member(editor).says("修改 #1\n我局开展地质灾害应急演练，群众参与。")  # the editor is at it
    assert "编辑已在处理，不再改标题" in chat.as_member("zhangsan").says("投稿 另一个标题")
    clock.advance(minutes=11)  # long after the file: 「投稿 标题」 needs its text as always
    assert "请在标题的下一行起写正文" in chat.as_member("zhangsan").says("投稿 另一个标题")


def test_a_title_for_a_file_being_read_or_refused(live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    from sqlalchemy import update

    chat = ChatDriver(live)
    fake_wecom.media["M1"] = ("image/png", "照片.png", b"\x89PNG....")
    send_file(live, clock, "zhangsan", "M1", "照片.png")
    with live.sessions.begin() as session:  # the dispatcher has claimed the job and is downloading
        session.execute(update(OutboxMessage).where(OutboxMessage.channel == "file").values(state="sending"))
    assert "请在收到创建结果后再发送「投稿 标题一」" in chat.as_member("zhangsan").says("投稿 标题一")
    with live.sessions.begin() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.channel == "file").values(state="pending"))
    drain(live)  # refused: not a .docx or .txt
    assert "不是 .docx 或 .txt 文件" in told(live, "zhangsan")[-1]
    assert "请在标题的下一行起写正文" in chat.as_member("zhangsan").says("投稿 标题一")


def test_a_correspondent_who_lost_the_role_while_the_file_was_read_is_told_why(live: Runtime, fake_wecom: FakeWeCom,
                                                                                clock: FrozenClock) -> None:
    from sqlalchemy import update

    from models import Member

    fake_wecom.media["M1"] = (DOCX_TYPE, "稿.docx", docx_bytes("我局开展地质灾害应急演练。"))
    send_file(live, clock, "zhangsan", "M1", "稿.docx")
    with live.sessions.begin() as session:
        session.execute(update(Member).where(Member.userid == "zhangsan").values(role_names="editor"))
    drain(live)
    assert "「投稿」需要通讯员角色，您当前的角色是：编辑。如需开通请联系管理员（钱主任）。" in told(live,
                                                                                              "zhangsan")[-1]
    with live.sessions.begin() as session:
        assert session.scalars(select(Draft)).all() == []


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'


def docx_with(*body_xml: str) -> bytes:
    """A .docx with raw WordprocessingML elements at the end of its body (before the section properties)."""
    from lxml import etree

    document = Document()
    document.add_paragraph("导语。")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "时间：5月12日", "参与群众300余人"
    body = document.element.body
    for xml in body_xml:
        body.insert(len(body) - 1, etree.fromstring(xml))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_every_text_of_a_docx_is_the_article() -> None:
    """Tables (time, place, figures), text boxes (captions), content controls and tracked insertions are part of
    the article; a text box's second copy for old Word versions and deleted text are not."""
    text_box = (f'<w:p {W} {MC}><w:r><w:t>图为</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps">'
                "<w:txbxContent><w:p><w:r><w:t>群众参观展板</w:t></w:r></w:p></w:txbxContent></mc:Choice>"
                "<mc:Fallback><w:txbxContent><w:p><w:r><w:t>群众参观展板</w:t></w:r></w:p></w:txbxContent>"
                "</mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>现场</w:t></w:r></w:p>")
    tracked = (f'<w:p {W}><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
               '<w:r><w:t xml:space="preserve">共发放资料 </w:t></w:r><w:del><w:r><w:delText>500</w:delText></w:r>'
               "</w:del><w:ins><w:r><w:t>600</w:t></w:r></w:ins><w:r><w:tab/><w:t>份</w:t></w:r></w:p>")
    control = f"<w:sdt {W}><w:sdtContent><w:p><w:r><w:t>乐昌市自然资源局</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    assert extract_text("带表格.docx", docx_with(text_box, tracked, control)).split("\n") == [
        "导语。", "时间：5月12日", "参与群众300余人", "图为现场", "群众参观展板", "共发放资料 600\t份",
        "乐昌市自然资源局"]


def test_a_docx_damaged_inside_is_refused_at_once(live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    """Damaged compressed data (zlib.error) is the member's file, not WeCom's trouble: told at once, never retried."""
    import zipfile

    data = bytearray(docx_bytes("正文" * 200))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + 40):
        data[i] ^= 0xFF
    fake_wecom.media["M1"] = (DOCX_TYPE, "坏.docx", bytes(data))
    send_file(live, clock, "zhangsan", "M1", "坏.docx")
    drain(live)
    assert any("无法打开这个 .docx 文件，可能已损坏" in text for text in told(live, "zhangsan"))
    assert [row.attempts for row in live_rows(live) if row.channel == "file"] == [1]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_mark_is_read_not_garbled(encoding: str) -> None:
    assert extract_text("稿.txt", "乐昌新闻稿\n正文第一段。".encode(encoding)) == "乐昌新闻稿\n正文第一段。"


def test_an_empty_nameless_file_says_so_plainly() -> None:
    with pytest.raises(FileRefused, match=r"^文件里没有文字"):
        extract_text("", b"  \n ")


def test_a_docx_reads_as_word_shows_it() -> None:
    """A non-breaking hyphen (0751-5555555) is a hyphen; an unfilled template field and a page break are nothing."""
    phone = (f"<w:p {W}><w:r><w:t>电话：0751</w:t><w:noBreakHyphen/><w:t>5555555</w:t>"
             '<w:br w:type="page"/></w:r></w:p>')
    placeholder = (f"<w:sdt {W}><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:p><w:r>"
                   "<w:t>单击或点击此处输入文字。</w:t></w:r></w:p></w:sdtContent></w:sdt>")
    assert extract_text("模板.docx", docx_with(phone, placeholder)).split("\n")[-1] == "电话：0751-5555555"


def test_reading_a_deeply_nested_docx_takes_one_walk() -> None:
    """120 nested content controls around 150,000 runs: each element is visited once (it took 10 s)."""
    import time
    import zipfile

    buffer = io.BytesIO()
    Document().save(buffer)
    template = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    nested = 120
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>' + "<w:sdt><w:sdtContent>" * nested
           + "<w:p><w:r>" + "<w:t>字</w:t>" * 150_000 + "</w:r></w:p>" + "</w:sdtContent></w:sdt>" * nested
           + "<w:sectPr/></w:body></w:document>").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in template.infolist():
            archive.writestr(info.filename, xml if info.filename == "word/document.xml" else template.read(info))
    started = time.process_time()
    assert len(extract_text("嵌套.docx", out.getvalue())) == 150_000
    assert time.process_time() - started < 5.0  # linear: about 0.3 s; by ancestors: 10 s


@pytest.mark.parametrize(("data", "text"), [
    ("乐昌新闻稿\n正文".encode() + b"\x00", "乐昌新闻稿\n正文"),  # a stray NUL in UTF-8: dropped, as before
    ("hello world\n".encode("utf-16-be"), "hello world"),
    ("乐昌新闻稿\n正文".encode("gb18030"), "乐昌新闻稿\n正文"),
])
def test_text_files_in_each_encoding(data: bytes, text: str) -> None:
    assert extract_text("稿.txt", data) == text
