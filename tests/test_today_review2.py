"""A second adversarial review of the day's changes (0fbb472~1..00af00d): each test is what a user does and expects,
its docstring what went wrong before."""

from __future__ import annotations

from bot.runtime import Runtime
from models import Submission
from tests.conftest import ChatDriver, FrozenClock, Mailbox
from tests.test_delivery import drain
from tests.test_outlet_mails import received_by, slow_mailbox
from tests.test_publishing import approved_draft

SOUTHCN = "news@southcn.example"
LONG = "今天上午，我局在坪石镇开展地质灾害应急演练，模拟山体滑坡险情，组织群众转移避险。"


def state_of(runtime: Runtime, draft_id: int, outlet_name: str) -> str:
    from models import Outlet
    with runtime.sessions.begin() as session:
        return next(s.state for s in session.query(Submission).join(Outlet)
                    .filter(Submission.draft_id == draft_id, Outlet.name == outlet_name))


# --- double sends -------------------------------------------------------------------------------------------

def test_a_renamed_outlet_whose_mail_may_have_arrived_gets_a_second_copy_after_撤销刊发(
        newsroom: Runtime, mailbox: Mailbox, clock: FrozenClock) -> None:
    """南方网's e-mail may have arrived (可能已发出). 南方网 prints it and the editor records 刊发. The admin renames
    the outlet (媒体 修改 南方网 名称=南方+, as 南方网 renamed its app), then takes the 刊发 back (登错了版面).
    submitting.maybe_arrived looks for 「南方+：可能已发出」 in the audit log, finds 「南方网：…」 only, and so the
    e-mail is 'failed' and the editor is told 「还没有发出」: 投递 全部 sends 南方+ a second copy."""
    with slow_mailbox(newsroom, mailbox, SOUTHCN) as box:
        chat = ChatDriver(newsroom)
        approved_draft(chat)
        chat.as_member("lisi").says("投递 #1 南方网")
        drain(newsroom)
        assert len(received_by(box, SOUTHCN)) == 1
        chat.as_member("lisi").says("刊发 #1 南方网 https://news.southcn.example/a/1.html")
        renamed = chat.as_member("admin").says("媒体 修改 南方网 名称=南方+")
        assert "南方+" in renamed, renamed
        revoked = chat.as_member("admin").says("撤销刊发 #1 南方+ 登错了，是另一篇")
        reply = chat.as_member("lisi").says("投递 #1 全部")
        clock.advance(minutes=5)
        drain(newsroom)
        assert len(received_by(box, SOUTHCN)) == 1, (revoked, reply)


def test_a_mail_handed_to_smtp_when_the_bot_died_is_said_unsent_after_撤销刊发(
        newsroom: Runtime, mailbox: Mailbox, clock: FrozenClock) -> None:
    """The dispatcher marks 南方网's e-mail 'sending' and hands it to SMTP; the bot dies in the middle (a restart).
    南方网 prints the article meanwhile and the editor records 刊发; when the bot is back the e-mail is not sent
    again (it was recorded). The admin then takes the 刊发 back (登错了，是另一篇). The e-mail may well have arrived
    (that is what 'sending' at a crash means to start_sending), but no 「可能已发出」 was ever written to the audit
    log, so maybe_arrived says no: the editor is told 「投稿邮件还没有发出」 and 投递 全部 sends 南方网 again.
    It should stay 可能已发出 (unsure) and 投递 全部 pass 南方网 by."""
    from sqlalchemy import select

    from bot.domain import submitting
    from models import OutboxMessage

    chat = ChatDriver(newsroom)
    approved_draft(chat)
    chat.as_member("lisi").says("投递 #1 南方网")
    with newsroom.sessions.begin() as session:  # what MailTransport does before SMTP; then the process dies
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "mail"))
        assert submitting.start_sending(session, row.payload["submission_id"], row.payload["message_id"],
                                        clock.current, "crashed") is not None
    chat.as_member("lisi").says("刊发 #1 南方网 https://news.southcn.example/a/1.html")
    clock.advance(minutes=30)
    drain(newsroom)  # back up: the e-mail's row is done with (recorded as published)
    revoked = chat.as_member("admin").says("撤销刊发 #1 南方网 登错了，是另一篇")
    # Recorded as handed over when 刊发 came over it: 已投递 again, never sent a second time unasked.
    assert state_of(newsroom, 1, "南方网") == "sent", revoked
    reply = chat.as_member("lisi").says("投递 #1 全部")
    assert "已排队投递：南方网" not in reply and "南方网" in reply, reply


# --- wrong or confusing replies ---------------------------------------------------------------------------

def test_a_department_whose_only_member_is_its_editor_is_said_to_have_a_correspondent_who_cannot_投稿(
        chat: ChatDriver) -> None:
    """地籍股 has one member, 赵六, an editor (role 编辑 only). Since cf9e7e2 an editor counts as the department's
    correspondent: 成员 no longer lists 地籍股 under 「还没有通讯员的部门」 (nor does the year summary). But 投稿 is
    still checked against the 通讯员 role alone (drafts.require_writer: member.may(Role.correspondent)), and 赵六
    is refused 「「投稿」需要通讯员角色」. The admin is told the department is covered while nobody there can send a
    draft. Either the editor may 投稿 as the correspondent 成员 says they are, or 成员 names the department."""
    members = chat.as_member("admin").says("成员")
    reply = chat.as_member("zhaoliu").says(
        "投稿 地籍股工作动态\n今天上午，地籍股开展不动产登记便民服务，群众反映良好，办理业务三十余件。")
    missing = next((line for line in members.splitlines() if line.startswith("还没有通讯员的部门")), "")
    assert "地籍股" in missing and "需要通讯员角色" in reply, (members, reply)


def test_the_editor_told_of_a_title_only_修改_reads_a_sentence(chat: ChatDriver) -> None:
    """The author sends only a new title (修改 #1⏎标题：…) for a returned draft. The editor reads 「作者张三 修改了标题
    稿件 #1《乐昌坪石镇开展地质灾害应急演练》（v1），请继续编辑。」 — 「修改了标题稿件」 is no sentence, and the old
    title is not said, so the editor cannot tell what changed. Expected: 「修改了稿件 #1 的标题」 (from 《…》)."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("退回 #1 标题需要更具体")
    chat.as_member("zhangsan").says("修改 #1\n标题：乐昌坪石镇开展地质灾害应急演练")
    notices = [row.payload["text"]["content"] for row in chat.outbox()
               if row.recipient == "lisi" and "text" in row.payload and "请继续编辑" in row.payload["text"]["content"]]
    assert notices[-1] == ("作者张三 把稿件 #1 的标题改为《乐昌坪石镇开展地质灾害应急演练》"
                           "（原为《乐昌开展地灾演练》），正文未改（v1），请继续编辑。"), notices


# --- wrong figures --------------------------------------------------------------------------------------------

def test_a_publication_from_our_email_that_the_server_took_but_confirmed_late_is_no_reprint(
        newsroom: Runtime, mailbox: Mailbox, clock: FrozenClock) -> None:
    """「投递 #1 南方网 韶关日报」: 韶关日报's server takes the e-mail but confirms it late (可能已发出, the editor is
    asked to check; 韶关日报 says it has it). 南方网 publishes on the 6th, 韶关日报 from our e-mail on the 7th.
    统计 counts 韶关日报's as 转载 (revision 0032's 「no e-mail sent」 is sent_at IS NULL), though the commit's own
    rule is 「a publication our e-mail never preceded (it never left)」 — this one left and arrived."""
    from tests.test_figures_agree import at, headline

    with slow_mailbox(newsroom, mailbox, "tougao@sgrb.example") as box:
        chat = ChatDriver(newsroom)
        at(clock, 5, 4)
        approved_draft(chat)
        chat.as_member("lisi").says("投递 #1 南方网 韶关日报")
        drain(newsroom)
        assert len(received_by(box, "tougao@sgrb.example")) == 1
        assert state_of(newsroom, 1, "韶关日报") == "unsure"
        at(clock, 5, 6)
        chat.as_member("zhangsan").says("刊发 #1 南方网 https://news.southcn.example/a/1.html")
        at(clock, 5, 7)
        chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://www.sgrb.example/2026/0507/1.html")
        reply = chat.as_member("admin").says("统计 2026-05")
        assert "刊发 2 篇次" in headline(reply), reply
        assert "其中转载 0 篇次" in headline(reply), reply
