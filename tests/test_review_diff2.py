"""Review of the day's latest changes (diff2): hostile Word files, a late AI bot answer after a network blip."""

from __future__ import annotations

import io
import logging
import time
import zipfile

import pytest
from sqlalchemy import select

from bot import outbox
from bot.domain import photos
from bot.messages import Incoming
from bot.observability import announce_process
from bot.runtime import Runtime
from models import Member, OutboxMessage
from tests.conftest import ChatDriver, FrozenClock
from tests.fake_wecom import FakeWeCom
from tests.test_delivery import drain

_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"


def _many_pictures(count: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        rels = "".join(f'<Relationship Id="r{n}" Target="media/image{n}.png" Type="x"/>' for n in range(count))
        archive.writestr("word/_rels/document.xml.rels", f'<Relationships xmlns="{_PR}">{rels}</Relationships>')
        blips = "".join(f'<a:blip r:embed="r{n}"/>' for n in range(count))
        archive.writestr("word/document.xml", f'<w:document xmlns:w="w" xmlns:a="a" xmlns:r="{_R}"><w:body>'
                                              f'<w:p><w:r><w:t>正文</w:t></w:r></w:p>{blips}</w:body></w:document>')
        for n in range(count):
            archive.writestr(f"word/media/image{n}.png", b"")
    return out.getvalue()


def test_a_word_file_with_many_pictures_is_read_in_linear_time() -> None:
    """A correspondent sends a .docx of 2 MB whose XML (well under the 5 MB allowed) places 20,000 tiny pictures;
    at 投递 (while the member waits for the reply, `photos.any_in`) and at every e-mail (`photos.of_draft`) the
    photos were put in article order by scanning lists for each element of document.xml: half a minute of CPU
    per look (4 minutes at the size allowed), the webhook's answer and the dispatcher stalled. Expected: linear,
    well under a second or two."""
    data = _many_pictures(20_000)
    started = time.monotonic()
    found = photos._pictures(data, read=False)
    assert len(found) == 20_000
    assert time.monotonic() - started < 5, "ordering the photos took quadratic time"


def test_a_late_answer_not_delivered_for_a_network_blip_is_not_lost_when_its_url_was_used(
        live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    """A member sends the AI bot a Word file in a 1:1 chat; an answer to the message used its response_url
    already. The dispatcher's next answer (「已根据文件创建稿件 #1」) finds WeCom unreachable (connection refused:
    nothing was sent); on the retry the URL is used up, and as the row now says `maybe_posted` from before the
    first attempt, the answer is taken as shown — the member never learns the draft's number. Expected: an attempt
    that never reached WeCom leaves no `maybe_posted`; the retry sends the answer as an app message."""
    url = f"{fake_wecom.base_url}/cgi-bin/aibot/response?response_code=R1"
    fake_wecom.used_response_codes.add("R1")  # the message's first answer took it
    with live.sessions.begin() as session:
        msg = Incoming("aibot", "zhangsan", "aibot:m1", chat_type="single", response_url=url)
        outbox.reply(session, "zhangsan", outbox.reply_route(msg, clock()), "已根据文件创建稿件 #1《乐昌开展宣传》",
                     "file:aibot:m1:done", clock())
    fake_wecom.down()
    try:
        drain(live)
    finally:
        fake_wecom.up()
    for _ in range(3):
        clock.advance(minutes=1)
        drain(live)
    got = [body[body["msgtype"]]["content"] for _, body in fake_wecom.delivered["zhangsan"]]
    assert any("稿件 #1" in text for text in got), "the answer was taken as shown and dropped"
    with live.sessions.begin() as session:
        assert [m.payload.get("maybe_posted") for m in session.scalars(select(OutboxMessage))] != [True]


def test_the_start_line_hides_a_password_given_as_a_connection_parameter(caplog: pytest.LogCaptureFixture) -> None:
    """The operator writes NEWSBOT_DATABASE_URL with the password as a libpq parameter
    (`postgresql+psycopg://newsbot@db/newsbot?password=…`, as psycopg and libpq accept, handy when the password holds
    an @ or a /). Every process's start line wrote it into the journal in clear. Expected: hidden as the password
    in the URL's user part is."""
    with caplog.at_level(logging.INFO, logger="newsbot.process"):
        announce_process("dispatcher", "postgresql+psycopg://newsbot@db/newsbot?password=S3cret&sslpassword=K3y",
                         "poll=1s")
    assert "S3cret" not in caplog.text and "K3y" not in caplog.text, caplog.text
    assert "database=postgresql+psycopg://newsbot@db/newsbot" in caplog.text


def test_moving_the_last_member_into_an_emptied_department_with_its_own_editor_offers_no_takeover(
        chat: ChatDriver) -> None:
    """地籍股's own editor is 李四; its one member 赵六 has left (停用), the department editor kept. 规划股's own
    editor is 张三. The admin moves 小李, the only member of 规划股, to 地籍股. As 地籍股 has no active member, the
    reply takes it for a rename: 「如是部门改名，请发送「成员 部门编辑 地籍股 zhangsan」」 — sent, it takes 地籍股
    from 李四. Expected: no rename hint into a department that has its own editor."""
    admin = chat.as_member("admin")
    admin.says("成员 角色 zhangsan 编辑 通讯员")
    admin.says("成员 部门编辑 规划股 zhangsan")
    admin.says("成员 部门编辑 地籍股 lisi")
    with chat.runtime.sessions.begin() as session:
        session.scalars(select(Member).where(Member.userid == "zhaoliu")).one().active = False
    reply = admin.says("成员 部门 xiaoli 地籍股")
    assert "已将 小李（xiaoli）的部门设为：地籍股" in reply, reply
    assert "成员 部门编辑 地籍股" not in reply, reply
