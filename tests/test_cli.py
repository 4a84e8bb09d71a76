"""The `newsbot` command line, run as a real process against the test database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import OFFICE_CSV, ChatDriver


class Cli:
    def __init__(self, database_url: str, cwd: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
        self.env["NEWSBOT_DATABASE_URL"] = database_url
        self.cwd = cwd

    def __call__(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True,
                              text=True, env=self.env, cwd=self.cwd, timeout=60)


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    return Cli(database_url, tmp_path)


@pytest.fixture
def office_csv(tmp_path: Path) -> Path:
    path = tmp_path / "office.csv"
    path.write_text(OFFICE_CSV, encoding="utf-8")
    return path


def test_members_import_list_and_reimport(cli: Cli, office_csv: Path) -> None:
    result = cli("members", "import", str(office_csv))
    assert result.returncode == 0, result.stderr
    assert "新增 7 人" in result.stdout
    office_csv.write_text(OFFICE_CSV.replace("张三,办公室", "张三,宣传股"), encoding="utf-8")
    assert "新增 0 人，更新 1 人，未变 6 人" in cli("members", "import", str(office_csv)).stdout
    assert "新增 0 人，更新 0 人，未变 7 人" in cli("members", "import", str(office_csv)).stdout
    members = json.loads(cli("members", "list", "--json").stdout)
    assert len(members) == 7
    zhangsan = next(m for m in members if m["userid"] == "zhangsan")
    assert zhangsan == {"userid": "zhangsan", "name": "张三", "department": "宣传股",
                        "roles": ["correspondent"], "active": True}
    assert next(m for m in members if m["userid"] == "lisi")["roles"] == ["correspondent", "editor"]


def test_bad_csv_changes_nothing_and_names_each_line(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("userid,name,department,roles\nok,好人,办公室,通讯员\nx,,办公室,通讯员\ny,某人,办公室,局长\n"
                   "ok,重复,办公室,editor\n", encoding="utf-8")
    result = cli("members", "import", str(bad))
    assert result.returncode == 2
    assert "第 3 行" in result.stderr and "第 4 行：未知角色「局长」" in result.stderr and "第 5 行" in result.stderr
    assert json.loads(cli("members", "list", "--json").stdout) == []
    header = tmp_path / "header.csv"
    header.write_text("id,name\n1,x\n", encoding="utf-8")
    assert "表头" in cli("members", "import", str(header)).stderr
    assert "无法读取文件" in cli("members", "import", str(tmp_path / "missing.csv")).stderr


def test_set_roles(cli: Cli, office_csv: Path) -> None:
    cli("members", "import", str(office_csv))
    result = cli("members", "set-roles", "zhangsan", "通讯员|editor")
    assert result.returncode == 0 and "通讯员、编辑" in result.stdout
    bad = cli("members", "set-roles", "zhangsan", "boss")
    assert bad.returncode == 2 and "未知角色「boss」" in bad.stderr
    missing = cli("members", "set-roles", "nobody", "editor")
    assert missing.returncode == 2 and "没有成员「nobody」" in missing.stderr and "members list" in missing.stderr


def test_chat_then_drafts_and_outbox(cli: Cli, office_csv: Path) -> None:
    cli("members", "import", str(office_csv))
    session = "帮助\n投稿 乐昌国土局开展土地日宣传\n6月25日，我局……\n\n.\n第二段\n发送\n稿件\n稿件 #1\n"
    result = cli("chat", "--as", "zhangsan", stdin=session)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "您可以使用" in out
    assert "已收到投稿 #1《乐昌国土局开展土地日宣传》" in out
    assert "[本地模式·未发送] 发给 lisi：新稿件 #1" in out  # the queued message, shown and stored
    assert "状态：编辑中（编辑 李四" in out
    draft = json.loads(cli("drafts", "show", "1", "--json").stdout)
    assert {k: draft[k] for k in ("number", "title", "state", "author", "editor")} == {
        "number": 1, "title": "乐昌国土局开展土地日宣传", "state": "editing", "author": "zhangsan", "editor": "lisi"}
    assert [v["text"] for v in draft["versions"]] == ["6月25日，我局……\n\n.\n第二段"]  # only 「发送」 ends it
    written = datetime.fromisoformat(draft["versions"][0]["created_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"--- v1 {written:%Y-%m-%d %H:%M} zhangsan" in cli("drafts", "show", "1").stdout  # the office's time
    assert json.loads(cli("drafts", "list", "--json").stdout)[0]["number"] == 1
    [message] = json.loads(cli("outbox", "list", "--json").stdout)
    assert (message["recipient"], message["state"]) == ("lisi", "sent")
    assert "#1\tediting\tzhangsan\tlisi" in cli("drafts", "list").stdout


def test_errors_exit_non_zero_with_a_message(cli: Cli, tmp_path: Path) -> None:
    assert cli("drafts", "show", "99").stderr.strip() == "没有稿件 #99。运行 `newsbot drafts list` 查看全部稿件。"
    assert cli("drafts", "show", "abc").returncode == 2
    assert cli("members").returncode == 2
    assert cli("chat").returncode == 2
    fresh = Cli(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path)
    result = fresh("drafts", "list")
    assert result.returncode == 2 and "newsbot db upgrade" in result.stderr
    result = fresh("serve", "--workers", "2")  # refuses before starting any worker
    assert result.returncode == 2 and "newsbot db upgrade" in result.stderr
    assert fresh("db", "upgrade").returncode == 0
    assert fresh("drafts", "list").stdout == "（无）\n"
    result = fresh("serve", "--workers", "0")
    assert result.returncode == 2 and "--workers 至少为 1" in result.stderr
    broken = Cli("sqlite:///x.db", tmp_path)
    broken.env["NEWSBOT_TIMEZONE"] = "Nowhere/City"
    result = broken("drafts", "list")
    assert result.returncode == 2 and "配置有误（请检查 .env 或环境变量）：NEWSBOT_TIMEZONE：" in result.stderr
    broken.env |= {"NEWSBOT_TIMEZONE": "Asia/Shanghai", "NEWSBOT_GROUP_CHANNEL": "appchat"}
    result = broken("drafts", "list")  # a rule across settings names them itself, in Chinese
    assert "环境变量）：NEWSBOT_GROUP_CHANNEL=appchat 需要 NEWSBOT_GROUP_CHAT_ID" in result.stderr
    result = fresh("serve", "--port", "99999")
    assert result.returncode == 2 and "--port 应在 1 到 65535 之间" in result.stderr
    nowhere = Cli(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}", tmp_path)
    result = nowhere("drafts", "list")
    assert result.returncode == 2 and "dir.db 不存在" in result.stderr
    result = nowhere("db", "upgrade")
    assert result.returncode == 2 and "数据库出错，未做任何修改" in result.stderr
    result = Cli("bogus://", tmp_path)("drafts", "list")
    assert result.returncode == 2 and "数据库只支持 SQLite 或 PostgreSQL（当前为「bogus」）" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_csv_saved_by_excel_on_chinese_windows_imports(cli: Cli, tmp_path: Path) -> None:
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(OFFICE_CSV.encode("gbk"))
    assert "新增 7 人" in cli("members", "import", str(gbk)).stdout
    assert "张三" in cli("members", "list").stdout
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x80\x81")
    result = cli("members", "import", str(binary))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_reward_rules_are_finite_numbers(cli: Cli, office_csv: Path) -> None:
    for bad in ("city=nan", "city=inf", "city=-inf"):
        result = cli("rewards", "set", bad)
        assert result.returncode == 2 and "city 应为数字，例如 city=3" in result.stderr


def test_outbox_retry_and_purge_sent(cli: Cli, office_csv: Path, database_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select, update

    from bot.db import make_engine, make_sessionmaker
    from models import OutboxMessage, OutboxState

    cli("members", "import", str(office_csv))
    cli("chat", "--as", "zhangsan", stdin="投稿 一\n正文\n发送\n投稿 二\n正文\n发送\n")
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    long_ago = datetime.now(UTC) - timedelta(days=40)
    with sessions.begin() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == 1).values(sent_at=long_ago))
        session.execute(update(OutboxMessage).where(OutboxMessage.id == 2).values(state=OutboxState.dead))
    assert "已重新排队 1 条" in cli("outbox", "retry", "2").stdout
    assert "状态是 sent：只有发送失败（dead）的消息可以重试" in cli("outbox", "retry", "1").stderr
    assert "没有第 99 条" in cli("outbox", "retry", "99").stderr
    assert "至少为 31 天：更近的已发消息还用来防止重复发送" in cli("outbox", "purge-sent", "--older-than", "10").stderr
    assert "已删除 1 条 31 天前已发送的消息" in cli("outbox", "purge-sent", "--older-than", "31").stdout
    with sessions.begin() as session:
        assert [(m.id, m.state) for m in session.scalars(select(OutboxMessage))] == [(2, OutboxState.pending)]
    engine.dispose()
    assert "需要企业微信凭据" in cli("members", "sync").stderr


def test_output_into_a_closed_pipe_ends_quietly(cli: Cli) -> None:
    """`newsbot outbox list | head`: the reader has what it wanted; no traceback about the pipe."""
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "outlets", "list", "--json"], env=cli.env,
                               cwd=cli.cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 0
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr


def test_a_missing_sqlite_file_is_named_not_created(tmp_path: Path) -> None:
    """Run in the wrong directory, a command that reads must not leave an empty database behind."""
    missing = tmp_path / "newsbot-typo.db"
    result = Cli(f"sqlite:///{missing}", tmp_path)("outbox", "list")
    assert result.returncode == 2 and not missing.exists()
    assert f"数据库文件 {missing} 不存在（当前目录：{tmp_path}）" in result.stderr, result.stderr
    assert Cli(f"sqlite:///{missing}", tmp_path)("db", "upgrade").returncode == 0 and missing.exists()


def test_a_database_newer_than_the_code_is_explained(cli: Cli, database_url: str) -> None:
    """After a release is rolled back: no advice to upgrade, no Alembic traceback."""
    from sqlalchemy import text

    from bot.db import make_engine

    engine = make_engine(database_url)
    with engine.begin() as connection:
        current = connection.scalar(text("SELECT version_num FROM alembic_version"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    try:
        for args in (("db", "upgrade"), ("drafts", "list")):
            result = cli(*args)
            assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-400:]
            assert "数据库结构（版本 0099）比本程序新" in result.stderr and "db upgrade" not in result.stderr
    finally:  # PostgreSQL: the next test's database is this one
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        engine.dispose()


def test_a_gbk_env_file_is_a_clear_configuration_error(cli: Cli) -> None:
    (cli.cwd / ".env").write_bytes("NEWSBOT_SIGNATURE=乐昌市自然资源局办公室\n".encode("gbk"))
    result = cli("drafts", "list")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-300:]
    assert "配置文件 .env 不是 UTF-8 编码" in result.stderr


def test_ctrl_c_ends_the_chat_as_ctrl_d_does(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from bot import chat

    def interrupted(prompt: str) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(sys, "stdin", type("Terminal", (), {"isatty": staticmethod(lambda: True)})())
    monkeypatch.setattr(builtins, "input", interrupted)
    try:
        assert chat.terminal_reader()("> ") is None
    except KeyboardInterrupt:  # not let through: it would stop the whole test run
        pytest.fail("Ctrl-C in chat raised KeyboardInterrupt")


def test_schedule_runs_and_the_outbox_say_what_failed(cli: Cli, database_url: str) -> None:
    """A failed firing names its error; a dead letter is listed however old, with why it died."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from bot import outbox
    from bot.db import make_engine, make_sessionmaker
    from models import JobRun, OutboxMessage

    engine = make_engine(database_url)
    now = datetime.now(UTC)
    with make_sessionmaker(engine).begin() as session:
        session.add(JobRun(schedule_id="monthly_report", period="2026-11-01T09:00", claimed_by="host:1",
                           claimed_at=now, outcome="failed", detail="OperationalError: disk full"))
        outbox.notify(session, ["lisi"], "一条发不出去的消息", "dead", now - timedelta(days=3))
        session.flush()
        session.execute(update(OutboxMessage).values(state="dead", last_error="errcode 60020: not allow"))
        for n in range(250):
            outbox.notify(session, ["zhangsan"], f"消息 {n}", f"ok:{n}", now)
    engine.dispose()
    assert "failed\t0\thost:1\tOperationalError: disk full" in cli("schedule", "runs").stdout
    listing = cli("outbox", "list")
    assert [line.split("\t")[-1] for line in listing.stdout.splitlines() if "\tdead\t" in line] == [
        "errcode 60020: not allow"]
    assert "只列出最新 200 条和全部 dead" in listing.stderr
    assert len(cli("outbox", "list", "--state", "dead").stdout.splitlines()) == 1


def test_roles_left_empty_and_userids_wecom_cannot_have_are_refused(cli: Cli, office_csv: Path,
                                                                       tmp_path: Path) -> None:
    cli("members", "import", str(office_csv))
    result = cli("members", "set-roles", "lisi", "")  # an unset shell variable: 「无」 is how to remove them
    assert result.returncode == 2 and "要去掉全部角色请写「无」" in result.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("userid,name,department,roles\nzhang san,张三,办公室,通讯员\nWangWu,王五,办公室,编辑\n"
                   "xinren,新人,办公室,编辑\nXinRen,新人,办公室,编辑\n", encoding="utf-8")
    result = cli("members", "import", str(bad))
    assert result.returncode == 2 and "第 2 行：userid「zhang san」不是企业微信账号的写法" in result.stderr
    assert "第 5 行：userid「XinRen」重复（企业微信的账号不区分大小写）" in result.stderr
    assert "userid「WangWu」与已有成员「wangwu」只差大小写" in result.stderr
    members = json.loads(cli("members", "list", "--json").stdout)
    assert len(members) == 7
    assert next(m for m in members if m["userid"] == "lisi")["roles"] == ["correspondent", "editor"]


def test_admins_may_be_listed_with_chinese_commas() -> None:
    from bot.config import Settings

    assert Settings(_env_file=None, admins="admin，lisi、wangwu, zhaoliu").admin_userids == {
        "admin", "lisi", "wangwu", "zhaoliu"}


def test_a_release_ahead_of_its_database_says_the_settings_are_fine_and_to_stop_first(tmp_path: Path) -> None:
    """deployment.md's upgrade check runs a command before anything is stopped: with a migration pending, it
    must not just say 「run db upgrade」 while the old processes still write."""
    from bot.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'older.db'}"
    upgrade(url, "0022")
    result = Cli(url, tmp_path)("outbox", "list")
    assert result.returncode == 2 and "配置已读取，没有问题" in result.stderr
    assert "升级时先停止正在运行的 newsbot serve、dispatcher 和 scheduler，再运行它" in result.stderr


def test_the_terminal_chat_reads_the_lines_below_a_training_as_its_attendees(chat: ChatDriver) -> None:
    """The README's way to try commands could not record a training: its attendees' line came back as an
    unknown command (found by a review of the admin's year). Its lines end at an empty one or 「发送」, and may
    begin with a command word (学习贯彻…)."""
    from bot.chat import run_chat

    typed = iter(["培训 登记 5月8日 新闻写作培训 主讲 韶关日报记者", "张三、李四", "", "线索 坪石镇下月验收", "",
                  "学习 设置 7月", "学习贯彻党的二十大精神", "培训新闻写作骨干", "发送", "学习 7月"])
    said: list[str] = []
    run_chat(chat.runtime, "admin", lambda _prompt: next(typed, None), said.append)
    replies = said[1:]
    assert len(replies) == 4, replies
    assert "已登记" in replies[0] and "2 人" in replies[0], replies[0]
    assert "已记录线索" in replies[1] and "已设置 2026-07 的学习内容" in replies[2]
    assert replies[3] == "机器人：2026-07 学习内容：\n学习贯彻党的二十大精神\n培训新闻写作骨干"


def test_the_terminal_chat_runs_the_command_after_a_listing(chat: ChatDriver) -> None:
    """「学习」 read the lines below as its items, swallowing the commands typed after it (a review of the day's
    change): a command that acts on nothing named on its line reads no lines, and a command ends the lines."""
    from bot.chat import run_chat

    typed = iter(["学习", "稿件", "线索 坪石镇下月验收", "例会", "日程", "培训"])
    said: list[str] = []
    run_chat(chat.runtime, "admin", lambda _prompt: next(typed, None), said.append)
    assert len(said[1:]) == 6 and "已记录线索" in said[3] and "下次宣传工作例会" in said[4], said
