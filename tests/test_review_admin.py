"""The office admin's first month running newsbot, following README and docs/deployment.md. Found by a review:
each docstring says what the admin does, what happened, and what should happen."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import update

from bot.config import Settings
from models import Member
from tests.conftest import OFFICE_CSV, ChatDriver
from tests.test_cli import Cli, cli, office_csv  # noqa: F401  (the fixtures)


def test_a_department_renamed_in_the_csv_keeps_its_own_editor(chat: ChatDriver) -> None:
    """An office that keeps its members in the CSV (no WeCom sync) renames 规划股 to 国土空间规划股 in the file and
    imports it again. The department's own editor (成员 部门编辑, 传帮带) was stored under the old name and silently
    dropped: 小李's next draft went to the least-loaded editor. As at `members sync`, it should follow the rename."""
    from bot.domain import members

    chat.as_member("admin").says("成员 部门编辑 规划股 zhaoliu")
    renamed = OFFICE_CSV.replace("小李,规划股", "小李,国土空间规划股")
    with chat.runtime.sessions.begin() as session:
        result = members.import_csv(session, io.StringIO(renamed), chat.runtime.clock())
    assert "编辑：赵六" in chat.as_member("xiaoli").says("投稿 改名后的第一篇\n正文")
    assert "国土空间规划股（部门编辑：赵六）" in chat.as_member("admin").says("成员")
    assert result.renamed == [("规划股", "国土空间规划股")]


def test_importing_the_csv_again_names_the_role_changes_it_undoes(cli: Cli, office_csv: Path) -> None:  # noqa: F811
    """In the first month the admin makes 李四 an approver with `newsbot members set-roles` (or 成员 角色), then
    adds a newcomer to members.csv and imports it again, as deployment.md suggests. The import quietly puts 李四's
    roles back to the file's and only prints 「更新 1 人」: the admin never learns 李四 is no approver any more.
    It should name each member whose roles it changed, before → after."""
    assert cli("members", "import", str(office_csv)).returncode == 0
    assert cli("members", "set-roles", "lisi", "编辑|通讯员|审核").returncode == 0
    office_csv.write_text(OFFICE_CSV + "xinren,新人,办公室,通讯员\n", encoding="utf-8")
    result = cli("members", "import", str(office_csv))
    assert result.returncode == 0, result.stderr
    assert "新增 1 人，更新 1 人" in result.stdout
    assert "李四（lisi）：角色 通讯员、编辑、审核 → 通讯员、编辑" in result.stdout, result.stdout


def test_importing_the_csv_again_says_whom_it_brought_back(chat: ChatDriver) -> None:
    """周七 left and `members sync` marked him inactive; a month later the admin imports the old CSV again to add
    a newcomer. Import brings back whoever is in the file (by design: a member returning), but said only
    「更新 1 人」: an approver who left is active again and gets review cards nobody reads. The import should
    name him as brought back, with how to undo it."""
    from bot.domain import members

    with chat.runtime.sessions.begin() as session:
        session.execute(update(Member).where(Member.userid == "zhouqi").values(active=False))
    with chat.runtime.sessions.begin() as session:
        result = members.import_csv(session, io.StringIO(OFFICE_CSV), chat.runtime.clock())
        assert result.updated == 1
        assert any(line.startswith("周七（zhouqi）：重新启用") for line in result.changes), result.changes


def test_moving_the_last_member_out_of_a_department_says_its_own_editor_is_left_behind(chat: ChatDriver) -> None:
    """The admin renames 规划股 in chat by moving its member (`成员 部门 xiaoli 国土空间规划股`): the reply says
    only that the department is new, and 规划股's own editor silently stops applying (小李's drafts go to the
    least-loaded editor; the listing no longer shows it). The reply should say so, with the command to keep it."""
    admin = chat.as_member("admin")
    admin.says("成员 部门编辑 规划股 zhaoliu")
    reply = admin.says("成员 部门 xiaoli 国土空间规划股")
    assert "规划股已没有成员，它的部门编辑赵六不再分到新稿件" in reply, reply
    assert "成员 部门编辑 国土空间规划股 zhaoliu" in reply, reply


def test_adding_a_retired_outlet_again_says_it_is_retired_and_how_to_restore_it(chat: ChatDriver) -> None:
    """The office stopped sending to 南方网 (媒体 停用) and months later adds it again: 「已经有媒体「南方网」。要修改
    请用「媒体 修改 南方网 字段=值」」. Following it (a new mailbox) leaves it retired, and 投递 still refuses it.
    The reply should say it is retired and give 「媒体 修改 南方网 启用=是」."""
    admin = chat.as_member("admin")
    admin.says("媒体 停用 南方网")
    reply = admin.says("媒体 添加 南方网 省 news@southcn.example")
    assert "媒体「南方网」已停用" in reply and "媒体 修改 南方网 启用=是" in reply, reply
    restored = admin.says("媒体 修改 南方网 启用=是 邮箱=news@southcn.example")
    assert "南方网（南方）·省级\n邮箱：news@southcn.example" in restored, restored


@pytest.mark.parametrize("admins", ["钱主任", "admin,钱主任"])
def test_admins_written_by_name_are_refused_at_start(admins: str) -> None:
    """The new admin fills .env.example's NEWSBOT_ADMINS with their own name (钱主任), not their WeCom account:
    every command starts, nobody is an admin, and the bot tells members to ask 「宣传办管理员」. A WeCom account is
    letters, digits and _-@. only, so the setting should be refused at start, naming it and what to write."""
    with pytest.raises(ValidationError, match="要写企业微信账号"):
        Settings(_env_file=None, admins=admins)
    assert Settings(_env_file=None, admins="admin，QianZR、li.si").admin_userids == {"admin", "QianZR", "li.si"}


