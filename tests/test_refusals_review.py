"""The day's duplicate refusals (投稿 of the same title within the hour, 续稿 repeating the draft) seen from an
ordinary office's weeks (found by a review): each docstring says which legitimate action they blocked before."""

from __future__ import annotations

import base64
import io

from docx import Document
from sqlalchemy import func, select

from bot.messages import Incoming
from bot.runtime import Runtime
from models import Draft, DraftFile, DraftVersion
from tests.conftest import ChatDriver, FrozenClock, Mailbox
from tests.fake_wecom import FakeWeCom
from tests.test_delivery import drain
from tests.test_file_drafts import DOCX_TYPE, docx_bytes, send_file, told
from tests.test_publishing import ARTICLE, approved_draft

TITLE = "我局开展防汛救灾志愿服务"
FLOOD = ("5月12日上午，乐昌市自然资源局组织干部职工赶赴坪石镇开展防汛救灾志愿服务活动，帮助受灾群众清理淤泥、"
         "搬运物资。\n下午，志愿者们又走访了受灾群众，送去了大米、食用油等生活物资。")
MEETING = ("5月12日下午，乐昌市自然资源局召开耕地保护专题会议，传达学习上级有关文件精神，部署下一阶段耕地保护工作。"
           "\n会议要求，各股室要压实责任，坚决守住耕地保护红线。")
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
                       "hKmMIQAAAABJRU5ErkJggg==")


def docx_with_photos(*paragraphs: str) -> bytes:
    """A Word file; 「[photo]」 stands for a picture inserted there."""
    document = Document()
    for paragraph in paragraphs:
        if paragraph == "[photo]":
            document.add_picture(io.BytesIO(PNG))
        else:
            document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def drafts_count(runtime: Runtime) -> int:
    with runtime.sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(Draft)) or 0


def texts(runtime: Runtime) -> list[str]:
    with runtime.sessions.begin() as session:
        return list(session.scalars(select(DraftVersion.text)))


def test_the_word_file_with_the_photos_the_bot_asked_for_is_not_thrown_away(
        live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    """张三 types 「投稿 我局开展防汛救灾志愿服务」 with the article, then sends two photos from his phone. The bot
    answers 「图片没有保存。配图请插入 Word 文档（.docx），随稿件发给我，投递时会一并发给媒体」. He does so 15
    minutes later: the same article in 《我局开展防汛救灾志愿服务.docx》 with the photos and a caption under each.
    The file is refused as a corrected resubmission of #1 (「如是改正后的稿子，请把改动告诉编辑…」), nothing of it is
    kept, and #1 goes to the outlets without photos. He expects the photos to reach #1 (or at least to be told
    how to get them in, which the refusal does not say)."""
    chat = ChatDriver(live)
    assert "已收到投稿 #1" in chat.as_member("zhangsan").says(f"投稿 {TITLE}\n{FLOOD}")
    photo_reply = live.commands.handle(Incoming("app", "zhangsan", "photo-1", kind="image")).text
    assert ".docx" in photo_reply  # the bot's own advice
    clock.advance(minutes=15)
    first, second = FLOOD.split("\n")
    fake_wecom.media["M1"] = (DOCX_TYPE, f"{TITLE}.docx", docx_with_photos(
        TITLE, first, "[photo]", "图为志愿者帮助群众清理淤泥。", second, "[photo]", "图为志愿者走访受灾群众。"))
    send_file(live, clock, "zhangsan", "M1")
    drain(live)
    notice = told(live, "zhangsan")[-1]
    with live.sessions.begin() as session:
        kept = session.scalars(select(DraftFile.draft_id)).all()
    assert kept or any(word in notice for word in ("配图", "照片", "图片")), notice


def test_two_nameless_word_files_are_two_drafts(live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    """张三 sends two unrelated articles as Word files saved under Word's default name (「新建 Microsoft Word
    文档.docx」), each opening straight with its first sentence. The first becomes #1 under the bot's placeholder
    title 《文件投稿》; the second, 20 minutes later, is refused: 「您 20 分钟前刚投了同题稿件 #1《文件投稿》…确是另一
    篇稿件，请换一个标题」 — a title he never chose, for a file he cannot retitle. He expects a second draft."""
    fake_wecom.media["M1"] = (DOCX_TYPE, "新建 Microsoft Word 文档.docx", docx_bytes(*FLOOD.split("\n")))
    fake_wecom.media["M2"] = (DOCX_TYPE, "新建 Microsoft Word 文档.docx", docx_bytes(*MEETING.split("\n")))
    send_file(live, clock, "zhangsan", "M1")
    drain(live)
    clock.advance(minutes=20)
    send_file(live, clock, "zhangsan", "M2")
    drain(live)
    assert drafts_count(live) == 2, told(live, "zhangsan")[-1]


def test_a_second_file_named_新闻稿_can_be_saved_as_the_refusal_says(live: Runtime, fake_wecom: FakeWeCom,
                                                                   clock: FrozenClock) -> None:
    """Correspondents name their files 「新闻稿.docx」. 张三 sends one about the flood relief (#1《新闻稿》) and, 20
    minutes later, another 「新闻稿.docx」 about the afternoon's meeting — no sentence in common. It is refused as
    a same-title resubmission, ending 「确是另一篇稿件，请换一个标题」. He does what the product offers for a file's
    title, 「投稿 我局召开耕地保护专题会议」, and is told 「没有保存：没有正文」: the meeting article cannot be
    saved without pasting it. He expects the unrelated article saved (or the new title to take the file)."""
    chat = ChatDriver(live)
    fake_wecom.media["M1"] = (DOCX_TYPE, "新闻稿.docx", docx_bytes(*FLOOD.split("\n")))
    fake_wecom.media["M2"] = (DOCX_TYPE, "新闻稿.docx", docx_bytes(*MEETING.split("\n")))
    send_file(live, clock, "zhangsan", "M1")
    drain(live)
    clock.advance(minutes=20)
    send_file(live, clock, "zhangsan", "M2")
    drain(live)
    clock.advance(minutes=1)
    reply = chat.as_member("zhangsan").says("投稿 我局召开耕地保护专题会议")
    drain(live)
    assert any("耕地保护专题会议" in text for text in texts(live)), reply


def test_a_correction_of_a_draft_already_sent_is_not_pointed_to_an_impossible_修改(
        newsroom: Runtime, mailbox: Mailbox, clock: FrozenClock) -> None:
    """A big event day: 张三's #1 is approved and mailed to 南方网 within minutes. Half an hour later he
    sees the date is wrong and sends the corrected article with the same title. The refusal says
    「如是改正后的稿子，请把改动告诉编辑，由编辑修改」, but the editor's 「修改 #1」 answers
    「当前已投递，不能修改」 and 「撤回 #1」 is refused too: nothing he is told can be done, and the
    corrected text cannot be submitted for the rest of the hour. He expects the corrected article saved
    (naming #1), or a reply that does not send him to 修改."""
    chat = ChatDriver(newsroom)
    text = ARTICLE.replace("4月22日", "5月12日")
    number = approved_draft(chat, title=TITLE, text=text)
    assert "已排队投递" in chat.as_member("lisi").says(f"投递 #{number} 南方网")
    drain(newsroom)
    clock.advance(minutes=30)
    reply = chat.as_member("zhangsan").says(f"投稿 {TITLE}\n{text.replace('5月12日', '5月11日')}")
    assert "不能修改" in chat.as_member("lisi").says(f"修改 #{number}\n{text.replace('5月12日', '5月11日')}")
    assert drafts_count(newsroom) == 2 or "修改" not in reply, reply


def test_a_续稿_closing_with_the_articles_theme_line_is_appended(chat: ChatDriver, clock: FrozenClock) -> None:
    """张三's article on 全国土地日 opens with the day's theme as a line of its own, as the office's WeChat
    articles do. Half an hour later he adds the closing paragraph with 「续稿 #1」: one new sentence
    (「此次活动进一步增强了群众的耕地保护意识。」) and the theme line again (首尾呼应). It is refused as
    「像是改过的全文」 with advice about corrections: one repeated line of 14 characters is over a third of a
    short closing paragraph, though under a tenth of the draft. He expects it appended (the corrected article
    pasted whole repeats most of the draft; this repeats one line of it)."""
    theme = "节约集约用地，严守耕地红线！"
    chat.as_member("zhangsan").says(f"投稿 我局开展全国土地日宣传活动\n{theme}\n{MEETING}\n{FLOOD}")
    clock.advance(minutes=30)
    closing = "此次活动进一步增强了群众的耕地保护意识。"
    reply = chat.as_member("zhangsan").says(f"续稿 #1\n{closing}\n{theme}")
    assert "已追加" in reply, reply
