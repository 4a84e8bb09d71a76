"""Hostile members: a line of blanks, a .docx bomb under the size caps, an approver who edited the title."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from docx import Document

from bot.domain import members
from bot.messages import Incoming
from models import Draft, DraftState, Role
from tests.conftest import ChatDriver


def _draft(chat: ChatDriver, number: int = 1) -> Draft:
    with chat.runtime.sessions.begin() as session:
        return session.get(Draft, number)


def test_q16_an_approver_who_retitled_a_draft_does_not_approve_it(chat: ChatDriver) -> None:
    """The deputy director is both admin (领导小组) and approver. While the draft is with its editor he rewrites
    its title himself (「修改 #1⏎标题：…」, the title is what the outlets print), the editor sends it for approval,
    and he approves his own wording. 三审分离 (product.md: nobody reviews what they edited; quality.md 16) should
    refuse him as it does when he 送审 or 退回 the draft, or writes a version: the retitle is an edit too."""
    with chat.runtime.sessions.begin() as session:
        members.set_roles(session, "wangwu", frozenset({Role.approver, Role.admin}), chat.runtime.clock(),
                          actor="admin")
    chat.as_member("zhangsan").says("投稿 乐昌开展地质灾害应急演练\n今天上午，演练在坪石镇举行。")
    reply = chat.as_member("wangwu").says("修改 #1\n标题：王局长改写的标题")
    assert "标题已改为《王局长改写的标题》" in reply
    editor = _draft(chat).editor.userid
    chat.as_member(editor).says("送审 #1")
    reply = chat.as_member("wangwu").says("批准 #1")
    assert "按三审分离不能批准" in reply, reply
    assert _draft(chat).state == DraftState.pending


BLANKS = " " * 60_000  # a line of blanks, as a 64 KiB message may carry


@pytest.mark.parametrize("text", [f"积分 2026{BLANKS}x", f"排行 2026{BLANKS}x", f"统计 2026{BLANKS}x",
                                  f"投稿 标题：{BLANKS}x", f"稿件 a{BLANKS}x", f"{BLANKS}x"],
                         ids=["积分", "排行", "统计", "投稿", "稿件", "unknown"])
@pytest.mark.parametrize("userid", ["zhangsan", "stranger"])
def test_q06_a_line_of_blanks_is_answered_at_once(chat: ChatDriver, userid: str, text: str) -> None:
    """A member (or anyone who can open the app: a stranger's message is matched too, for the audit line) sends a
    command, a run of blanks and a stray letter — a paste with wide spacing, or someone who means harm. Patterns
    with blanks on both sides of a choice (`\\s*…\\s*` in 统计's period, 投稿's one-line form, the friendly-emoji
    tail searched at every position) tried every split of the run: 600 blanks took seconds, 3,000 minutes, while
    the callback held the write lock. Each is read in one pass now: the whole line costs milliseconds (the bound
    is generous: a quadratic reading of 60,000 blanks takes minutes)."""
    started = time.process_time()
    reply = chat.runtime.commands.handle(Incoming("app", userid, f"hostile:{time.perf_counter_ns()}", text=text))
    spent = time.process_time() - started
    assert spent < 2, f"{spent:.1f} s of CPU for one message"
    assert reply.text and ("还未登记" in reply.text) == (userid == "stranger")


_MEASURE = """
import resource, sys, time
from bot.documents import FileRefused, extract_text
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    extract_text("稿件.docx", data)
except FileRefused:
    pass
print(time.perf_counter() - started, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_q06_a_small_docx_does_not_take_a_gigabyte(tmp_path: Path) -> None:
    """A member sends a 100 KB .docx whose styles.xml unpacks to 40 MB of empty elements (<w:b/> repeated) —
    under the 50 MB unpacked cap, so bot.documents._check_unpacked_size lets it through, and python-docx parses
    every XML part into an lxml tree. The dispatcher thread, inside the serving process, grows by about 1 GB and
    works for several seconds per file; a few such files (or one on a small server) and the bot is killed for
    memory. A zip bomb should be refused (or read) with flat memory, as quality.md asks of hostile input."""
    document = Document()
    document.add_paragraph("正文")
    plain = io.BytesIO()
    document.save(plain)
    source, bomb = zipfile.ZipFile(io.BytesIO(plain.getvalue())), io.BytesIO()
    namespace = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/styles.xml":
                data = f'<?xml version="1.0"?><w:styles {namespace}>{"<w:b/>" * 7_000_000}</w:styles>'.encode()
            archive.writestr(info.filename, data)
    assert len(bomb.getvalue()) < 120_000
    path = tmp_path / "bomb.docx"
    path.write_bytes(bomb.getvalue())
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    seconds, grown_mb = out.stdout.split()
    assert int(grown_mb) < 200, f"reading a {len(bomb.getvalue()) // 1024} KB .docx took {grown_mb} MB more memory"
    assert float(seconds) < 5, f"…and {float(seconds):.1f} s"
