"""The engine: routing and normalisation, members and roles, 帮助, paging, failures."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select

from bot import outbox
from bot.messages import Incoming, Reply
from bot.router import Context, Router
from bot.runtime import Runtime
from models import AuditEvent, Draft, DraftState, Member, OutboxMessage, Role
from tests.conftest import PG_URL, ChatDriver


def test_help_lists_only_what_the_roles_allow(chat: ChatDriver) -> None:
    correspondent = chat.as_member("zhangsan").says("帮助")
    assert "张三（通讯员）" in correspondent
    assert "• 投稿 标题⏎正文" in correspondent and "例：投稿" in correspondent
    approver = chat.as_member("wangwu").says("help")
    assert "• 投稿" not in approver and "• 稿件" in approver
    assert "（也可用：我的稿件）" in chat.as_member("zhangsan").says("帮助 稿件")
    assert "没有您可用的命令「投稿」" in chat.as_member("wangwu").says("? 投稿")
    # Correspondents (most members) and approvers see their commands in one message, without 更多; an editor's
    # longer list takes two.
    for userid in ("zhangsan", "wangwu"):
        reply = chat.as_member(userid).says("帮助")
        assert "发送「更多」" not in reply, (userid, len(reply.encode()))
        # …whatever their names: room for one of six characters where 张三 and 王五 have two.
        assert len(reply.encode()) + 4 * len("三".encode()) <= 2048, (userid, len(reply.encode()))


def test_normalisation_mention_full_width_and_glued_arguments(chat: ChatDriver) -> None:
    zhangsan = chat.as_member("zhangsan")
    zhangsan.says("投稿 标题\n正文")
    for spelling in ("稿件 #1", "稿件 1", "稿件＃１", "  稿件#1  ", "@审稿机器人 稿件 #1", "@审稿机器人　稿件　＃1"):
        assert "《标题》" in zhangsan.says(spelling), spelling
    assert "未能识别" in zhangsan.says("helpme")


def test_a_full_stop_after_a_command_is_no_argument(chat: ChatDriver) -> None:
    zhangsan, admin = chat.as_member("zhangsan"), chat.as_member("admin")
    for command in ("稿件", "积分", "帮助", "学习"):
        assert zhangsan.says(f"{command}。") == zhangsan.says(command), command
    assert admin.says("排行！") == admin.says("排行") and admin.says("统计.") == admin.says("统计")


def test_unknown_input_gets_a_hint(chat: ChatDriver) -> None:
    assert chat.as_member("zhangsan").says("你好") == "未能识别「你好」。发送「帮助」查看可用命令。"
    assert "请输入命令" in chat.as_member("zhangsan").says("   ")


@pytest.mark.parametrize(("text", "meant"), [
    ("同意 #2", "批准 #2"), ("通过", "批准"), ("批淮 #2", "批准 #2"), ("驳回 #2 数据不对", "退回 #2 数据不对"),
    ("撒回 #1", "撤回 #1"), ("撤稿 #1 不要了", "撤回 #1"), ("报审 #1 请审核", "送审 #1"), ("投 稿 标题", "投稿 标题"),
    ("送 审 #1", "送审 #1"), ("排名", "排行"), ("用稿 #1 韶关日报", "刊发 #1 韶关日报"),  # with a link: a bare link
    ("同意，可以发", "批准"), ("查询 积分", "稿件"),  # which draft, the command itself asks
])
def test_a_word_people_use_for_a_command_is_suggested_never_run(text: str, meant: str, chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 标题\n正文")
    reply = chat.as_member("wangwu").says(text)
    assert reply.startswith(f"未能识别「{text[:20]}") and f"您是要发送「{meant}」吗？请照此格式重发" in reply
    with chat.runtime.sessions.begin() as session:
        assert session.get(Draft, 1).state == DraftState.editing and session.get(Draft, 2) is None
    assert "您是要" not in chat.as_member("zhangsan").says("通过了吗")  # a word inside a sentence is no command


def test_admin_bootstrap_from_settings(office: Runtime) -> None:
    office.settings = office.settings.model_copy(update={"admins": "boss,zhangsan"})
    office.commands.settings = office.settings
    chat = ChatDriver(office)
    assert "管理员" in chat.as_member("boss").says("帮助")
    assert "通讯员、管理员" in chat.as_member("zhangsan").says("帮助")
    with office.sessions.begin() as session:
        boss = session.scalars(select(Member).where(Member.userid == "boss")).one()
        assert boss.roles == {Role.admin}
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "member.bootstrap_admin")).all()
        assert sorted(e.comment for e in events) == ["boss", "zhangsan"]
    chat.as_member("boss").says("帮助")
    with office.sessions.begin() as session:  # once only
        assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "member.bootstrap_admin"))
                   .all()) == 2
    told = chat.as_member("admin").says("成员 角色 zhangsan 通讯员")  # the configuration outranks the chat
    assert "zhangsan 列在配置 NEWSBOT_ADMINS 中，下次发消息时会重新成为管理员" in told
    assert "通讯员、管理员" in chat.as_member("zhangsan").says("帮助")
    assert "NEWSBOT_ADMINS" not in chat.as_member("admin").says("成员 角色 lisi 编辑")


def test_inactive_member_is_told(chat: ChatDriver) -> None:
    with chat.runtime.sessions.begin() as session:
        session.scalars(select(Member).where(Member.userid == "xiaoli")).one().active = False
    assert "已停用" in chat.as_member("xiaoli").says("帮助")
    assert "已停用" in chat.as_member("xiaoli").says("我的电话 13800000000")
    with chat.runtime.sessions.begin() as session:
        assert session.execute(select(AuditEvent.actor, AuditEvent.comment).where(
            AuditEvent.action == "inactive_member")).all() == [("xiaoli", "帮助，2 字"), ("xiaoli", "非命令，16 字")]


def test_non_text_messages_get_a_clear_answer(office: Runtime) -> None:
    reply = office.commands.handle(Incoming("app", "zhangsan", "k-image", kind="image"))
    assert reply is not None and "文字消息" in reply.text
    assert office.commands.handle(Incoming("app", "zhangsan", "k-ev", kind="event", event="view")).text == ""


def test_long_replies_are_paged_with_more(office: Runtime) -> None:
    router = Router()

    @router.command("长文")
    def long_text(msg: Incoming, ctx: Context) -> Reply:
        """长文 — 测试"""
        return Reply("\n".join(f"第 {n} 行：" + "字" * 40 for n in range(100)))

    office.commands.router.include(router)
    chat = ChatDriver(office)
    pages = [chat.as_member("zhangsan").says("长文")]
    while "发送「更多」" in pages[-1]:
        pages.append(chat.as_member("zhangsan").says("更多"))
    assert all(len(page.encode()) <= 2048 for page in pages)
    assert pages[-1].endswith(f"（第 {len(pages)}/{len(pages)} 页，已全部显示）")
    assert all(page.startswith("（续「长文」）\n") for page in pages[1:])  # which reply 更多 goes on with
    body = "\n".join(line for page in pages for line in page.split("\n") if not line.startswith(("（第", "（续")))
    assert body.split("\n") == [f"第 {n} 行：" + "字" * 40 for n in range(100)]
    assert chat.as_member("zhangsan").says("更多").startswith("没有更多内容了。")
    chat.as_member("zhangsan").says("长文")
    office.clock.advance(hours=25)  # type: ignore[attr-defined]
    assert chat.as_member("zhangsan").says("更多").startswith("没有更多内容了。长回复的后续页面保留 24 小时")


def test_q09_an_unexpected_error_rolls_back_the_whole_action(office: Runtime) -> None:
    """A step that fails half-way leaves no trace: not the state change, its audit event or its notice."""
    router = Router()

    @router.command("坏了")
    def broken(msg: Incoming, ctx: Context) -> Reply:
        """坏了 — 测试"""
        ctx.session.get(Draft, 1).state = DraftState.approved
        ctx.session.add(AuditEvent(at=ctx.now, actor="x", action="half-done"))
        outbox.enqueue(ctx.session, channel=outbox.APP, recipient="zhangsan", payload=outbox.text("已批准"),
                       dedupe_key="draft:1:half-done", now=ctx.now)
        ctx.session.flush()
        raise RuntimeError("bug")

    office.commands.router.include(router)
    chat = ChatDriver(office)
    chat.as_member("zhangsan").says("投稿 标题\n正文")
    reply = chat.as_member("zhangsan").says("坏了")
    assert "出错了，没有做任何修改" in reply and "bug" not in reply
    with office.sessions.begin() as session:
        assert session.get(Draft, 1).state == DraftState.editing
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "half-done")).all() == []
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == "draft:1:half-done")).all() == []


def test_q18_per_member_rate_limit_is_counted_in_the_database(office: Runtime) -> None:
    limited = office.settings.model_copy(update={"rate_limit_per_minute": 3})
    office.commands.settings = limited
    other = Runtime.build(limited, clock=office.clock, transports={})  # another worker: its own engine and memory
    try:
        chat, elsewhere = ChatDriver(office), ChatDriver(other)
        elsewhere._counter[0] = 1000  # message ids of its own: not WeCom's retries of the first worker's
        replies = [chat.as_member("zhangsan").says("帮助") for _ in range(3)]
        replies += [elsewhere.as_member("zhangsan").says("帮助") for _ in range(2)]
        assert ["发送过于频繁" in reply for reply in replies] == [False, False, False, True, True]
        assert "您可以使用" in chat.as_member("xiaoli").says("帮助")  # per member
        office.clock.advance(seconds=61)
        assert "您可以使用" in elsewhere.as_member("zhangsan").says("帮助")
    finally:
        other.close()


def test_q18_two_worker_processes_share_the_rate_limit(office: Runtime, tmp_path: object) -> None:
    """Two real processes, each with its own engine, against one database: the limit is shared."""
    import subprocess
    import sys
    import time

    url = office.settings.database_url
    start_at = time.time() + 2
    script = (
        "import sys, time, uuid\n"
        "from bot.config import Settings\nfrom bot.messages import Incoming\nfrom bot.runtime import Runtime\n"
        "rt = Runtime.build(Settings(_env_file=None, database_url=sys.argv[1], rate_limit_per_minute=10))\n"
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
        "for _ in range(8):\n"
        "    r = rt.commands.handle(Incoming('local', 'zhangsan', uuid.uuid4().hex, text='帮助'))\n"
        "    print('LIMITED' if '过于频繁' in r.text else 'OK')\n"
    )
    workers = [subprocess.Popen([sys.executable, "-c", script, url, str(start_at)], stdout=subprocess.PIPE,
                                text=True) for _ in range(2)]
    outputs = [worker.communicate(timeout=60)[0].split() for worker in workers]
    answered = [line for output in outputs for line in output]
    assert answered.count("OK") == 10 and answered.count("LIMITED") == 6


@pytest.mark.skipif(not PG_URL, reason="a PostgreSQL server that drops its connections, as a restart does")
def test_a_message_after_the_database_dropped_its_connections_is_handled_not_failed(chat: ChatDriver) -> None:
    zhangsan = chat.as_member("zhangsan")
    assert "已收到投稿 #1" in zhangsan.says("投稿 重启之前\n正文")  # the pool now holds a live connection
    engine = chat.runtime.db
    with psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as admin:
        dropped = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()
    assert dropped and dropped[0] >= 1
    assert "已收到投稿 #2" in zhangsan.says("投稿 重启之后\n正文")
    assert chat.count(Draft) == 2
