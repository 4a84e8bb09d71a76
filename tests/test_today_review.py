"""An adversarial review of the day's changes (ca9211f..0cc170e): each test is what a user does and expects, its
docstring what went wrong before."""

from __future__ import annotations

from bot.domain import review
from bot.runtime import Runtime
from models import Draft
from tests.conftest import ChatDriver, FrozenClock, Mailbox, Sent
from tests.test_delivery import drain
from tests.test_outlet_mails import received_by, slow_mailbox
from tests.test_publishing import approved_draft

LONG = "今天上午，我局在坪石镇开展地质灾害应急演练，模拟山体滑坡险情，组织群众转移避险。"


def texts_to(chat: ChatDriver, userid: str) -> list[str]:
    out = []
    for row in chat.outbox():
        if row.recipient != userid:
            continue
        payload = row.payload
        if "text" in payload:
            out.append(payload["text"]["content"])
        elif "template_card" in payload:
            out.append(str(payload))
    return out


def review_card_keys(chat: ChatDriver, userid: str) -> list[str]:
    keys = []
    for row in chat.outbox():
        card = row.payload.get("template_card") if row.recipient == userid else None
        if card:
            keys += [b["key"] for b in card.get("button_list", []) if b["key"].startswith("approve:")]
    return keys


# --- a wrong title approved ------------------------------------------------------------------------------


def test_an_old_card_approves_a_title_it_never_showed(chat: ChatDriver) -> None:
    """The approver got a card for 《乐昌开展地灾演练》 and approved by text. The editor then changes only the title
    (修改 #1⏎标题：…), which voids the approval. The approver clicks 批准 on the first card (the title it shows is
    the old one): the draft is approved under a title nobody approving has seen. A card is refused as 「旧版本」
    when the text changed; a new title, which voids an approval as well, should be refused alike."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("送审 #1")
    [old_key] = review_card_keys(chat, "wangwu")
    assert "已批准" in chat.as_member("wangwu").says("批准 #1")
    chat.as_member("lisi").says("修改 #1\n标题：县长带队开展地灾演练")
    reply = chat.click("wangwu", old_key)
    with chat.runtime.sessions.begin() as session:
        draft = session.get(Draft, 1)
        assert draft is not None
        state, title = draft.state, draft.title
    assert title == "县长带队开展地灾演练"
    assert state == "pending", (state, reply)


def test_re_approval_after_a_title_change_tells_the_editor_to_send(chat: ChatDriver) -> None:
    """After a title-only 修改 voided the approval, the approver approves again. The editor (who must 投递) hears
    nothing: the notice 「已由 王五 批准，请安排投递」 is keyed by version, and the version did not change."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1")
    first = [t for t in texts_to(chat, "lisi") if "请安排投递" in t]
    assert len(first) == 1
    chat.as_member("lisi").says("修改 #1\n标题：县长带队开展地灾演练")
    assert "已批准" in chat.as_member("wangwu").says("批准 #1")
    notices = [t for t in texts_to(chat, "lisi") if "请安排投递" in t]
    assert len(notices) == 2 and "县长带队开展地灾演练" in notices[-1], notices


def test_the_title_hint_of_a_投递_that_sent_to_others_is_one_修改_refuses(newsroom: Runtime,
                                                                        mailbox: Mailbox) -> None:
    """「投递 #1 韶关日报 南方网」 with a title too long for 韶关日报: 南方网 is queued (the draft is now 已投递) and
    韶关日报 is refused with 「改标题请发送「修改 #1」，换行写「标题：新标题」；改后需重新批准」. The editor does so and
    is refused: a sent draft cannot be revised. The advice should be one that works (or not be given)."""
    chat = ChatDriver(newsroom)
    approved_draft(chat, title="乐昌市自然资源局开展2026年全国防灾减灾日宣传活动")
    reply = chat.as_member("lisi").says("投递 #1 韶关日报 南方网")
    assert "已排队投递：南方网" in reply
    assert "修改 #" not in reply and "本稿已投递其他媒体，不能再修改" in reply, reply


def test_a_publication_revoked_of_a_mail_that_may_have_arrived_is_sent_again_by_投递_全部(
        newsroom: Runtime, mailbox: Mailbox, sent: Sent, clock: FrozenClock) -> None:
    """南方网's e-mail may have arrived (可能已发出): 投递 全部 passes it by. 南方网 in fact published it (刊发), then
    the admin takes the record back (撤销刊发, 登错了版面). The submission was then 「发送失败」 and the editor told
    the e-mail 「还没有发出」 — it was handed over, and 南方网 even printed it — and the next 投递 全部 sends 南方网 a
    second copy. It should stay 可能已发出 (unsure), as before the 刊发."""

    with slow_mailbox(newsroom, mailbox, "news@southcn.example") as box:
        chat = ChatDriver(newsroom)
        approved_draft(chat)
        chat.as_member("lisi").says("投递 #1 南方网")
        drain(newsroom)
        assert len(received_by(box, "news@southcn.example")) == 1
        chat.as_member("lisi").says("刊发 #1 南方网 https://news.southcn.example/a/1.html")
        revoked = chat.as_member("admin").says("撤销刊发 #1 南方网 登错了，是另一篇")
        reply = chat.as_member("lisi").says("投递 #1 全部")
        clock.advance(minutes=5)
        drain(newsroom)
        assert len(received_by(box, "news@southcn.example")) == 1, (revoked, reply)


def test_two_outlets_sharing_a_mailbox_get_two_copies_in_one_投递(newsroom: Runtime, mailbox: Mailbox) -> None:
    """The county's 融媒体中心 takes its paper's and its app's drafts at one mailbox. 「投递 #1 全部」 sends that
    mailbox the article twice in one go, though the same-mailbox guard refuses the second outlet on any later
    投递 (「它的邮箱 … 已收到过这篇稿件」). One 投递 should send one copy per mailbox, as the guard intends."""
    from tests.test_outlet_mails import received_by

    chat = ChatDriver(newsroom)
    approved_draft(chat)
    admin = chat.as_member("admin")
    admin.says("媒体 添加 乐昌融媒 县 rm@lcrm.example")
    admin.says("媒体 添加 乐昌融媒APP 县 rm@lcrm.example")
    reply = chat.as_member("lisi").says("投递 #1 乐昌融媒 乐昌融媒APP")
    drain(newsroom)
    assert len(received_by(mailbox, "rm@lcrm.example")) == 1, reply


def test_a_new_outlet_for_a_mailbox_that_may_have_the_draft_is_sent_it_by_投递_全部(
        newsroom: Runtime, mailbox: Mailbox, clock: FrozenClock) -> None:
    """韶关日报's e-mail may have arrived (可能已发出), so 投递 全部 passes 韶关日报 by. The admin replaces 韶关日报
    with 韶关日报社 (same mailbox, as the bot advises for a change of level). 「投递 #1 全部」 now sends that mailbox
    a second copy: the same-mailbox guard counts only e-mails known to have arrived, not those that may have."""

    with slow_mailbox(newsroom, mailbox, "tougao@sgrb.example") as box:
        chat = ChatDriver(newsroom)
        approved_draft(chat)
        chat.as_member("lisi").says("投递 #1 韶关日报")
        drain(newsroom)
        assert len(received_by(box, "tougao@sgrb.example")) == 1
        admin = chat.as_member("admin")
        admin.says("媒体 添加 韶关日报社 省 tougao@sgrb.example")
        admin.says("媒体 停用 韶关日报")
        reply = chat.as_member("lisi").says("投递 #1 全部")
        clock.advance(minutes=5)
        drain(newsroom)
        assert len(received_by(box, "tougao@sgrb.example")) == 1, reply


def test_the_editors_listing_says_a_mail_that_may_have_arrived_was_not_sent(
        newsroom: Runtime, mailbox: Mailbox) -> None:
    """南方网's e-mail may have arrived (可能已发出: the bot asked the editor to check with 南方网 first). The editor's
    稿件 list marks the draft 「有媒体的邮件没有发出」 and 稿件 #1 says 「邮件都没有发出（南方网：待李四重新「投递 #1
    媒体名称」）」: the editor who follows it sends 南方网 a second copy without checking. The listing should say
    it may have been sent and to check with the outlet first."""

    with slow_mailbox(newsroom, mailbox, "news@southcn.example"):
        chat = ChatDriver(newsroom)
        approved_draft(chat)
        chat.as_member("lisi").says("投递 #1 南方网")
        drain(newsroom)
        listing = chat.as_member("lisi").says("稿件")
        detail = chat.as_member("lisi").says("稿件 #1")
        assert "没有发出" not in detail.split("\n")[1] and "没有发出" not in listing, (listing, detail)


def test_a_missed_month_end_report_names_the_month_before_it(chat: ChatDriver, clock: FrozenClock) -> None:
    """The 月报 is set to the month's end (day=last, as the bot advises); it reports the month ending. The bot is
    down over May 31 17:00 beyond the grace: the admins read 「可在工作群发送「统计 2026-04」代替」 — April, reported
    a month ago; the report missed was May's."""
    from datetime import UTC, datetime

    from bot.scheduler import Calendar
    from tests.test_calendar import only

    clock.current = datetime(2026, 5, 12, 2, tzinfo=UTC)
    only(chat.runtime, "monthly_report")
    cal = Calendar(chat.runtime.sessions, chat.runtime.settings, clock, worker="test")
    chat.as_member("admin").says("日程 设置 monthly_report day=last hour=17")
    clock.current = datetime(2026, 5, 30, 12, tzinfo=UTC)
    cal.tick()
    clock.current = datetime(2026, 6, 5, 2, tzinfo=UTC)  # back too late
    cal.tick()
    told = [t for t in texts_to(chat, "admin") if "补发时限" in t]
    assert len(told) == 1 and "「统计 2026-05」" in told[0], told


def test_a_file_retitled_by_投稿_标题_loses_the_first_line_taken_for_its_title(live: Runtime, fake_wecom: object,
                                                                           clock: FrozenClock) -> None:
    """A Word file named as Word names a new one: its short first line 「通讯员 李四 王五」 becomes the title and is
    now cut from the text. The author then sends 「投稿 乐昌开展地质灾害应急演练」 (the product's 「文件后发送投稿
    标题」): the title is replaced, and the line cut out never comes back — the byline is gone from the article.
    Had the title come before the file was read, the text would be whole."""
    from tests.test_file_drafts import DOCX_TYPE, docx_bytes, send_file

    chat = ChatDriver(live)
    fake_wecom.media["M1"] = (DOCX_TYPE, "新建 Microsoft Word 文档.docx",  # type: ignore[attr-defined]
                              docx_bytes("通讯员 李四 王五", "5月12日上午，我局在坪石镇开展地质灾害应急演练。"))
    send_file(live, clock, "zhangsan", "M1", "新建 Microsoft Word 文档.docx")
    drain(live)
    retitled = chat.as_member("zhangsan").says("投稿 乐昌开展地质灾害应急演练")
    assert "标题改为《乐昌开展地质灾害应急演练》" in retitled, retitled
    with live.sessions.begin() as session:
        draft = session.get(Draft, 1)
        text = review.current_version(session, draft).text
    assert "通讯员 李四 王五" in text, text


def test_an_e_mail_that_may_have_arrived_before_the_upgrade_is_sent_again_by_投递_全部(
        newsroom: Runtime, mailbox: Mailbox, clock: FrozenClock) -> None:
    """Before revision 0030 a mail that may have arrived was recorded 'failed' (its audit comment:
    「南方网：可能已发出」, and the editor was asked to check with 南方网 first). The upgrade leaves it 'failed', so
    the first 「投递 #1 全部」 after the upgrade sends 南方网 a second copy — the very double send 'unsure' is for.
    The upgrade should carry those rows over as 'unsure'."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from bot import migrate
    from tests.test_outlet_mails import received_by

    url = newsroom.settings.database_url
    if not url.startswith("sqlite"):
        import pytest
        pytest.skip("downgrades the test database")
    with slow_mailbox(newsroom, mailbox, "news@southcn.example") as box:
        chat = ChatDriver(newsroom)
        approved_draft(chat)
        chat.as_member("lisi").says("投递 #1 南方网")
        drain(newsroom)
        assert len(received_by(box, "news@southcn.example")) == 1
        newsroom.db.dispose()
        command.downgrade(migrate.alembic_config(url), "0029")  # the office as it was at 0029: 'failed'
        engine = create_engine(url)
        with engine.begin() as connection:
            assert connection.scalar(text("SELECT comment FROM audit_event WHERE action = 'mail.failed'")) == (
                "南方网：可能已发出")
            connection.execute(text("UPDATE submission SET state = 'failed' WHERE state = 'unsure'"))
        engine.dispose()
        migrate.upgrade(url)
        reply = chat.as_member("lisi").says("投递 #1 全部")
        clock.advance(minutes=5)
        drain(newsroom)
        assert len(received_by(box, "news@southcn.example")) == 1, reply


def test_a_downgrade_from_0030_leaves_states_the_0029_code_cannot_read(tmp_path: object) -> None:
    """`newsbot db downgrade 0029` (rolling back today's release): the 'unsure' submissions stay 'unsure', a state
    the 0029 code has no member for — SubmissionState('unsure') raises in every 稿件 #N and 投递 of that draft.
    The downgrade should turn them back into what 0029 wrote for them ('failed')."""
    from pathlib import Path

    from alembic import command
    from sqlalchemy import create_engine, text

    from bot import migrate
    from tests.test_migrations import a_published_draft

    url = f"sqlite:///{Path(str(tmp_path)) / 'down.db'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        a_published_draft(connection)
        connection.execute(text(
            "INSERT INTO submission (draft_id, outlet_id, version, state, message_id, queued_at, front_page, points) "
            "VALUES (1, 1, 1, 'unsure', '<m@x>', '2026-01-01', false, 0)"))
    engine.dispose()
    command.downgrade(migrate.alembic_config(url), "0029")
    engine = create_engine(url)
    with engine.connect() as connection:
        states = {row[0] for row in connection.execute(text("SELECT state FROM submission"))}
    engine.dispose()
    old = {"queued", "sending", "sent", "published", "not_used", "failed"}
    assert states <= old, states


def test_an_author_who_changes_only_the_title_is_said_to_have_changed_nothing(chat: ChatDriver) -> None:
    """The editor returns the draft: 「标题需要更具体」. The author sends 修改 #1⏎标题：乐昌坪石镇开展地质灾害应急演练
    (the title alone, as the bot's usage says). The editor is told 「作者张三 核实后没有改动稿件 #1」 — so the editor
    thinks the author ignored the comment, though the title they asked for was changed."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("退回 #1 标题需要更具体")
    reply = chat.as_member("zhangsan").says("修改 #1\n标题：乐昌坪石镇开展地质灾害应急演练")
    assert "标题已改为《乐昌坪石镇开展地质灾害应急演练》" in reply, reply
    [notice] = [t for t in texts_to(chat, "lisi") if "请继续编辑" in t]
    assert "没有改动" not in notice and "标题" in notice, notice


def test_a_修改_in_the_work_group_quotes_the_authors_unpublished_paragraph_there(chat: ChatDriver) -> None:
    """The editor sends 修改 to the AI bot in the work group (the whole office reads it). The author's 续稿 — sent
    in a 1:1 chat — is left out, and the reply quotes it in the group: 「作者续稿追加的 1 段（「县长王某某到场，
    并批评了…」）」. Replies in the group must not carry a draft's text (engine.Context.in_group)."""
    from tests.test_aibot import in_group

    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("zhangsan").says("续稿 #1\n县长王某某到场，并批评了镇里的准备工作。")
    reply = in_group(chat, "lisi", "修改 #1\n" + LONG.replace("今天上午", "5月12日上午"))
    assert "已保存稿件 #1 的 v3" in reply, reply
    assert "县长王某某" not in reply, reply
