"""A new correspondent's first weeks (never used a bot, types on the WeCom phone app).

Each test first proved something that made a newcomer lose text, duplicate a draft or be told to do what they
cannot do."""

from __future__ import annotations

from sqlalchemy import select

from bot.runtime import Runtime
from models import Draft, DraftVersion
from tests.conftest import ChatDriver, FrozenClock
from tests.fake_wecom import FakeWeCom
from tests.test_delivery import drain
from tests.test_file_drafts import DOCX_TYPE, docx_bytes, send_file

TITLE = "乐昌开展地质灾害应急演练"
ART = ("5月10日上午，乐昌市自然资源局在坪石镇开展地质灾害应急演练，全镇干部群众二百余人参加。"
       "演练模拟强降雨引发山体滑坡，各小组按预案转移群众。")
MORE = "演练结束后，局领导对演练进行了点评，要求各镇各部门加强汛期值班值守，确保人民群众生命财产安全。"


def texts(runtime: Runtime) -> list[tuple[int, str, str]]:
    """Each draft's number, title and newest text."""
    with runtime.sessions.begin() as session:
        return [(d.id, d.title, session.scalars(select(DraftVersion.text).where(
            DraftVersion.draft_id == d.id, DraftVersion.number == d.current_version)).one())
            for d in session.scalars(select(Draft).order_by(Draft.id))]


def test_a_phone_user_can_append_on_one_line(chat: ChatDriver) -> None:
    """A newcomer on the phone (where, as the bot itself says, Enter sends) submits with the one-line form the bot
    taught them, then sends 「续稿 #1：下一段」 on one line, as they did for 投稿. It is refused, and the refusal asks
    them to write the text 「从第二行」 — a line break the bot's own help says they cannot type. 续稿 is impossible
    for them; they expect the paragraph after 「续稿 #1：」 to be appended, as 「投稿《标题》正文」 is accepted."""
    me = chat.as_member("xiaoli")
    assert "已收到投稿 #1" in me.says(f"投稿《{TITLE}》{ART}")
    reply = me.says(f"续稿 #1：{MORE}")
    assert MORE in texts(chat.runtime)[0][2], reply


def test_a_phone_user_can_revise_a_returned_draft_on_one_line(chat: ChatDriver) -> None:
    """The editor returns the newcomer's draft; on the phone they send 「修改 #1：改好的全文」 on one line. Refused
    with 「正文从第二行写起」, which their phone cannot do: a returned draft can then never come back. They expect
    the corrected text to be saved as v2."""
    me = chat.as_member("xiaoli")
    assert "已收到投稿 #1" in me.says(f"投稿《{TITLE}》{ART}")
    assert "退回给作者" in chat.as_member("lisi").says("退回 #1 请核实人数")
    fixed = ART.replace("二百", "三百")
    reply = me.says(f"修改 #1：{fixed}")
    assert texts(chat.runtime)[0][2] == fixed, reply


def test_a_paragraph_sent_alone_after_投稿_names_续稿_of_that_draft(chat: ChatDriver) -> None:
    """Enter sent the article's second paragraph as a message of its own, right after 「投稿《标题》第一段」 made #1.
    The reply says 「投稿请发送「投稿 标题」…」 first (which would make a second draft for another editor) and
    「续稿 #编号」 only generically; a short paragraph just gets 「未能识别」 without saying it was not added. The
    newcomer expects to be told it was not added to #1 and to send 「续稿 #1」."""
    me = chat.as_member("xiaoli")
    assert "已收到投稿 #1" in me.says(f"投稿《{TITLE}》{ART}")
    long_reply = me.says(MORE)
    short_reply = me.says("演练结束后，局领导进行了点评。")
    assert "续稿 #1" in long_reply, long_reply
    assert "续稿 #1" in short_reply or "没有保存" in short_reply, short_reply


def test_the_first_sentence_on_the_投稿_line_is_not_swallowed_into_the_title(chat: ChatDriver) -> None:
    """The newcomer writes the title, a space and the first sentence on the 投稿 line, the rest below. The draft is
    saved with the 45-character sentence as its title, and the article starts at the second paragraph: the first
    sentence is gone from the text the editor edits and outlets receive. When the same line has no text below, the
    bot refuses and asks; here it should too (or keep the sentence in the article)."""
    first = "5月10日上午，乐昌市自然资源局在坪石镇开展地质灾害应急演练。"
    chat.as_member("xiaoli").says(f"投稿 {TITLE} {first}\n{MORE}")
    saved = texts(chat.runtime)
    assert not saved or first in saved[0][2], saved


def test_a_title_in_brackets_on_one_line_is_read_or_the_suggestion_is_right(chat: ChatDriver) -> None:
    """People write titles in 【】, 「」 or “” as often as 《》: 「投稿【标题】正文…」 on one line is refused, and the
    one-line form offered instead wraps the whole article in 《》 (「投稿《【标题】5月10日上午…」), cut off with …:
    copied, it would make the article the title. They expect the title read, or the suggestion 「投稿《标题》…」."""
    me = chat.as_member("xiaoli")
    for number, (opening, closing) in enumerate(("【】", "「」", "“”"), start=1):
        reply = me.says(f"投稿{opening}{TITLE}{number}{closing}{ART}")
        assert f"已收到投稿 #{number}《{TITLE}{number}》" in reply, reply
    assert [text for _, _, text in texts(chat.runtime)] == [ART] * 3


def test_the_office_template_below_投稿_is_a_draft(chat: ChatDriver) -> None:
    """The newcomer pastes the office's template under the word 投稿: 「投稿⏎标题：…⏎正文：…」. The bot reads
    「投稿 标题：…⏎正文：…」 and 「投稿 标题：… 正文：…」 but refuses this unambiguous form with 「请在「投稿」后写
    标题」. They expect the draft saved with that title."""
    reply = chat.as_member("xiaoli").says(f"投稿\n标题：{TITLE}\n正文：{ART}")
    assert texts(chat.runtime) == [(1, TITLE, ART)], reply


def test_a_dash_after_投稿_is_no_part_of_the_title(chat: ChatDriver) -> None:
    """「投稿——标题⏎正文」 (a dash as separator, as after 投稿： which is stripped) makes the title 「——标题」, which
    every reply, the editor's notice, the outlets' subject and 用稿反馈 then carry."""
    chat.as_member("xiaoli").says(f"投稿——{TITLE}\n{ART}")
    assert texts(chat.runtime)[0][1] == TITLE


def test_a_docx_whose_first_line_is_its_title_does_not_keep_it_in_the_text(live: Runtime, fake_wecom: FakeWeCom,
                                                                           clock: FrozenClock) -> None:
    """A newcomer sends 「乐昌开展地质灾害应急演练.docx」 written as every news draft is: the title as the first
    paragraph, then the article. The draft takes its title from the file name and keeps the title line in the text
    too: 字数 counts it (outlets' min/max rules), the editor edits it, and each outlet's mail shows the title twice
    (title line, byline, then the title again). A file with Word's default name gets this right: its first line
    becomes the title and leaves the text."""
    fake_wecom.media["M1"] = (DOCX_TYPE, f"{TITLE}.docx", docx_bytes(TITLE, ART))
    send_file(live, clock, "xiaoli", "M1", f"{TITLE}.docx")
    drain(live)
    assert texts(live) == [(1, TITLE, ART)]


def test_a_file_then_its_text_pasted_is_one_draft(live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    """Unsure the file went through, the newcomer sends the Word file and then pastes the same article with
    「投稿 标题⏎正文」 a minute later. Two drafts with the same title go to two different editors (李四 and 赵六),
    each editing the same article. They expect the bot to see the file sent just now with this title and not
    make a second draft (or at least say so)."""
    chat = ChatDriver(live)
    fake_wecom.media["M1"] = (DOCX_TYPE, f"{TITLE}.docx", docx_bytes(TITLE, "通讯员 小李", ART))
    send_file(live, clock, "xiaoli", "M1", f"{TITLE}.docx")
    clock.advance(minutes=1)
    chat.as_member("xiaoli").says(f"投稿 {TITLE}\n{ART}")
    drain(live)
    assert len(texts(live)) == 1, texts(live)


def test_a_returned_draft_s_detail_tells_its_author_what_to_send(chat: ChatDriver) -> None:
    """Days after the return notice scrolled away, the newcomer asks 「稿件 #1」. The detail shows 「已退回（作者
    小李）」 and the comment, and ends with 「看全文：稿件 #1 全文」: nothing says to send 「修改 #1」 with the whole
    corrected text below (and 续稿, the one command they know for adding text, is refused for a returned draft)."""
    me = chat.as_member("xiaoli")
    me.says(f"投稿《{TITLE}》{ART}")
    chat.as_member("lisi").says("退回 #1 请补充时间地点")
    assert "修改 #1" in me.says("稿件 #1")


def test_my_returned_draft_is_listed_once(chat: ChatDriver) -> None:
    """A correspondent's 「稿件」 after a return lists #1 twice, under 「待我处理」 and under 「我的稿件」, both
    just 「已退回」, with no word of what to do: a newcomer reads two drafts, or a duplicate."""
    me = chat.as_member("xiaoli")
    me.says(f"投稿《{TITLE}》{ART}")
    chat.as_member("lisi").says("退回 #1 请补充时间地点")
    assert me.says("稿件").count(f"#1《{TITLE}》") == 1
