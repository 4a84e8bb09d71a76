"""A big event day in the county (a flood-relief drive): many correspondents, one editor desk, a deputy director
approving from a phone. Found by a review: each docstring says what went wrong before."""

from __future__ import annotations

import io

from sqlalchemy import select

from bot.domain import members
from models import Draft, DraftState, DraftVersion
from tests.conftest import ChatDriver, FrozenClock

UNITS = """userid,name,department,roles
c1,陈一,矿管股,通讯员
c2,陈二,耕保股,通讯员
c3,陈三,不动产登记中心,通讯员
"""
TEXT = ("7月20日上午，乐昌市自然资源局组织干部职工赶赴坪石镇开展防汛救灾志愿服务活动，帮助受灾群众清理淤泥、"
        "搬运物资。\n下午，志愿者们又走访了受灾群众，送去了大米、食用油等生活物资，并叮嘱群众注意汛期安全。")
CORRECTED = TEXT.replace("7月20日", "7月21日")  # the date was wrong: the correspondent sends the article again
TITLE = "我局开展防汛救灾志愿服务"


def units(chat: ChatDriver) -> None:
    with chat.runtime.sessions.begin() as session:
        members.import_csv(session, io.StringIO(UNITS), chat.runtime.clock())


def state(chat: ChatDriver, number: int) -> str:
    with chat.runtime.sessions.begin() as session:
        return session.get(Draft, number).state


def editor_of(chat: ChatDriver, number: int) -> str:
    with chat.runtime.sessions.begin() as session:
        return session.get(Draft, number).editor.userid


def drafts_count(chat: ChatDriver) -> int:
    with chat.runtime.sessions.begin() as session:
        return len(session.scalars(select(Draft.id)).all())


def test_a_corrected_resubmission_within_the_hour_is_no_second_draft(chat: ChatDriver, clock: FrozenClock) -> None:
    """陈一 submits 《我局开展防汛救灾志愿服务》 at 10:00; at 10:10 he sees the date is wrong and sends 「投稿」 with
    the same title and the corrected text (the office's habit: send it again). It became #2 for the other editor
    (least-loaded), and nobody was told of #1: both could be approved and mailed, the outlet getting the wrong
    one. Now nothing is saved and the reply names #1 with the two ways on: tell the editor, or 撤回 and resubmit."""
    units(chat)
    chat.as_member("c1").says(f"投稿 {TITLE}\n{TEXT}")
    clock.advance(minutes=10)
    reply = chat.as_member("c1").says(f"投稿 {TITLE}\n{CORRECTED}")
    assert "10 分钟前刚投了同题稿件 #1" in reply and "「撤回 #1」后重新投稿" in reply, reply
    assert drafts_count(chat) == 1
    assert "已撤回" in chat.as_member("c1").says("撤回 #1")
    assert "已收到投稿 #2" in chat.as_member("c1").says(f"投稿 {TITLE}\n{CORRECTED}")


def test_the_same_article_from_two_correspondents_is_one_draft(chat: ChatDriver, clock: FrozenClock) -> None:
    """陈一 writes up the relief drive; 陈二, who was there too, is forwarded the text and submits it under his own
    title a few minutes later. It became a second draft for a second editor, and once both were mailed and the
    outlet ran the article once, 陈一 recorded the desktop link and 陈二 the phone link: points twice, 排行 counting
    it twice. Now the second is refused, naming 陈一's #1 and how it could be 陈二's instead."""
    units(chat)
    chat.as_member("c1").says(f"投稿 {TITLE}\n{TEXT}")
    clock.advance(minutes=5)
    reply = chat.as_member("c2").says(f"投稿 我局干部赴坪石开展救灾\n{TEXT}")
    assert "正文与 陈一 的稿件 #1《我局开展防汛救灾志愿服务》完全相同" in reply, reply
    assert drafts_count(chat) == 1
    assert "已撤回" in chat.as_member("c1").says("撤回 #1")  # it was 陈二's to send after all
    assert "已收到投稿 #2" in chat.as_member("c2").says(f"投稿 我局干部赴坪石开展救灾\n{TEXT}")


def test_the_corrected_article_sent_as_续稿_is_not_appended(chat: ChatDriver, clock: FrozenClock) -> None:
    """陈一's draft #1 is with the editor; he finds a wrong date. 修改 is refused (authors may not edit), and the
    refusal says 「只是在文末补充内容，才用「续稿 #1」」 — but on a busy day he pastes the corrected article under
    「续稿 #1」 anyway. The bot appends it: v2 holds the article twice (198 字), the reply is a plain
    「已追加到稿件 #1」 and the editor is told only 「作者续稿」. The 续稿 check refuses the same text already at
    the end, not the same article with one figure changed. Now a 续稿 repeating the draft's own sentences (a third
    of its text) is not appended, and the reply says how to get a correction in; a new paragraph still is."""
    units(chat)
    chat.as_member("c1").says(f"投稿 {TITLE}\n{TEXT}")
    clock.advance(minutes=5)
    reply = chat.as_member("c1").says(f"续稿 #1\n{CORRECTED}")
    with chat.runtime.sessions.begin() as session:
        newest = session.scalars(select(DraftVersion).where(DraftVersion.draft_id == 1)
                                 .order_by(DraftVersion.number.desc())).first()
        text = newest.text
    assert text.count("乐昌市自然资源局组织干部职工赶赴坪石镇") == 1, reply
    assert "像是改过的全文" in reply and "更正请告诉编辑" in reply and "「撤回 #1」后重新投稿" in reply, reply
    assert "已追加" in chat.as_member("c1").says("续稿 #1\n活动共发放大米200袋、食用油100桶，清理淤泥30余吨。")


def two_waiting(chat: ChatDriver) -> None:
    """#1《防汛救灾志愿服务》 by 陈一 and #2《坪石镇灾后复产》 by 陈二, both sent for approval."""
    units(chat)
    for who, title in (("c1", "防汛救灾志愿服务"), ("c2", "坪石镇灾后复产")):
        chat.as_member(who).says(f"投稿 {title}\n{TEXT.replace('7月20日', '7月' + str(len(title)) + '日')}")
    for number in (1, 2):
        assert "已送审" in chat.as_member(editor_of(chat, number)).says(f"送审 #{number}")


def test_a_bare_批准_just_after_another_approver_took_the_draft_approves_nothing(chat: ChatDriver,
                                                                               clock: FrozenClock) -> None:
    """Two drafts wait: #1 and #2. 王五, between meetings, opens #1 on his phone and reads it; meanwhile 周七 approves
    #1. 王五 sends 「批准」 — only #2 is waiting for him now, so the bare 批准 approves #2, which he never opened,
    and its editor is told to send it out. 王五's 「稿件 #1 已由 周七 批准」 notice reaches him after the fact.
    Now within ten minutes of another approver's decision on a draft he could have approved, a bare 批准 approves
    nothing and names both: the one decided, and 「批准 #2」 for the one left. Later it approves the one left."""
    two_waiting(chat)
    assert "已批准" in chat.as_member("zhouqi").says("批准 #1")
    reply = chat.as_member("wangwu").says("批准")  # meant #1, seconds after 周七
    assert state(chat, 2) == DraftState.pending, reply
    assert "稿件 #1《防汛救灾志愿服务》刚由 周七 批准" in reply and "「批准 #2」" in reply, reply
    clock.advance(minutes=11)
    assert "已批准" in chat.as_member("wangwu").says("批准")
    assert state(chat, 2) == DraftState.approved


def test_a_bare_批准_just_after_the_author_withdrew_the_draft_approves_nothing(chat: ChatDriver) -> None:
    """王五 reads #1 on his phone while its author withdraws it; his bare 「批准」 a minute later approved #2, which
    he never opened (found by a review of the day's races). A withdrawal from 待审核 counts as a decision too."""
    two_waiting(chat)
    assert "已撤回" in chat.as_member("c1").says("撤回 #1")
    reply = chat.as_member("wangwu").says("批准")
    assert state(chat, 2) == DraftState.pending, reply
    assert "稿件 #1《防汛救灾志愿服务》刚由 陈一 撤回" in reply and "「批准 #2」" in reply, reply
