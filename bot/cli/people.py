"""`newsbot members` and `group`: the members, their roles, the WeCom directory and the work group."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

from bot.cli.common import CliError, Commands, print_rows, runtime_for, with_json
from bot.cli.json_views import member_json
from bot.config import Settings
from bot.wecom.client import TokenRefused, WeComClient, WeComError
from models import Role

T = TypeVar("T")


def add_commands(commands: Commands) -> None:
    members = commands.add_parser("members", help="members and roles").add_subparsers(
        metavar="ACTION", required=True)
    imp = members.add_parser("import", help="import userid,name,department,roles from CSV")
    imp.add_argument("file", type=Path)
    imp.set_defaults(run=_members_import)
    with_json(members.add_parser("list", help="list members")).set_defaults(run=_members_list)
    set_roles = members.add_parser("set-roles", help="replace a member's roles, e.g. editor|correspondent")
    set_roles.add_argument("userid")
    set_roles.add_argument("roles")
    set_roles.set_defaults(run=_members_set_roles)
    sync = members.add_parser("sync", help="read departments and users from WeCom")
    sync.add_argument("--force", action="store_true", help="allow deactivating more than half of the members")
    sync.set_defaults(run=_members_sync)

    group = commands.add_parser("group", help="the work group").add_subparsers(metavar="ACTION", required=True)
    create = group.add_parser("create", help="create the app's group chat; prints its chat id")
    create.add_argument("name")
    create.add_argument("userids", nargs="+", metavar="USERID", help="the first is the owner; at least two")
    create.set_defaults(run=_group_create)


def _members_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import members

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise CliError(f"无法读取文件 {args.file}：{exc.strerror}") from exc
    source = io.StringIO(_decoded(data, args.file), newline="")
    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        result = members.import_csv(session, source, runtime.clock())
    print(f"导入完成：新增 {result.created} 人，更新 {result.updated} 人，未变 {result.unchanged} 人。"
          + (f"不再担任编辑的成员的 {result.handed_over} 篇稿件已转交其他编辑。" if result.handed_over else ""))
    for line in result.changes:  # an old file imported again undoes what was changed since: say what
        print(f"  {line}")
    if any("重新启用" in line for line in result.changes):
        print("重新启用的成员如其实已离开，请运行 `newsbot members sync`（或在机器人里发送「成员 角色 账号 无」）。")
    for old, new in result.renamed:
        print(f"部门「{old}」已改名为「{new}」，部门编辑随之转到「{new}」。")
    return 0


def _members_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import members

    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        rows = [member_json(m) for m in members.all_members(session)]
    print_rows(rows, args.json, lambda m: "\t".join([m["userid"], m["name"], m["department"] or "-",
                                                     "|".join(m["roles"]) or "-", "" if m["active"] else "停用"]))
    return 0


def _decoded(data: bytes, path: Path) -> str:
    """UTF-8 (with or without Excel's BOM), else GB 18030: what Excel saves as CSV on Chinese Windows."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CliError(f"{path} 不是 UTF-8 或 GBK 编码的文本文件。请在 Excel 中“另存为 CSV UTF-8”后再导入。")


def _members_set_roles(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import members

    if not args.roles.strip():  # an unset shell variable, most likely: 「无」 removes every role
        raise CliError("请写角色，例如 `newsbot members set-roles lisi 编辑|通讯员`；要去掉全部角色请写「无」。")
    roles = members.parse_roles(args.roles)
    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        if members.get(session, args.userid) is None:
            raise CliError(f"没有成员「{args.userid}」。运行 `newsbot members list` 查看，"
                           "或用 `newsbot members import FILE.csv` 导入。")
        member, handed = members.set_roles(session, args.userid, roles, runtime.clock(), actor=None)
        print(f"{member.userid}（{member.name}）的角色：{member.role_labels}")
        for draft in handed:
            print(f"稿件 {draft.number} 转交：{draft.editor.name if draft.editor else '待分配（已通知管理员）'}")
    return 0


def _members_sync(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import directory

    client = _client(settings)
    departments = _wecom(client.departments)
    users = _wecom(lambda: client.users(directory.top_departments(departments)))
    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        result = directory.sync(session, departments, users, runtime.clock(), force=args.force)
    print(f"同步完成：新增 {result.created} 人，更新 {result.updated} 人，未变 {result.unchanged} 人，"
          f"停用 {result.deactivated} 人（离职），"
          f"转交稿件 {result.handed_over} 篇。")
    for old, new in result.renamed:
        print(f"部门「{old}」已改名为「{new}」，部门编辑随之转到「{new}」。")
    if result.newcomers:
        names = "、".join(f"{m.name}（{m.userid}，{m.department or '未填部门'}）" for m in result.newcomers[:20])
        print(f"新成员还没有角色，不能投稿：{names}"
              f"{' 等' if len(result.newcomers) > 20 else ''}。请在机器人里发送「成员 角色 账号 通讯员」设置。")
    for member, roles in result.returned:  # the userid may now be someone new's: no role until an admin says so
        labels = " ".join(role.label for role in Role if role in roles)
        print(f"{member.name}（{member.userid}）曾停用，现又在通讯录中，已重新启用，但没有角色"
              f"（企业微信可能把离职人员的账号给了新人）" + (f"；原有角色：{labels}，确认是同一人请在机器人里发送"
                                                  f"「成员 角色 {member.userid} {labels}」恢复。" if roles else "。"))
    return 0


def _group_create(args: argparse.Namespace, settings: Settings) -> int:
    if len(args.userids) < 2:
        raise CliError("群聊至少需要两名成员：newsbot group create 宣传工作群 群主USERID 成员USERID …")
    client = _client(settings)
    chat_id = _wecom(lambda: client.create_group_chat(args.name, args.userids[0], args.userids))
    print(chat_id)
    print(f"已创建群聊「{args.name}」。在 .env 中设置 NEWSBOT_GROUP_CHANNEL=appchat 和 NEWSBOT_GROUP_CHAT_ID={chat_id}",
          file=sys.stderr)
    return 0


def _client(settings: Settings) -> WeComClient:
    if settings.local_mode:
        raise CliError("需要企业微信凭据：设置 NEWSBOT_WECOM_CORP_ID、NEWSBOT_WECOM_SECRET、NEWSBOT_WECOM_AGENT_ID。")
    client = runtime_for(settings).client
    assert client is not None
    return client


def _wecom(call: Callable[[], T]) -> T:
    from bot.wecom.transports import CREDENTIALS_HINT, IP_HINT

    try:
        return call()
    except WeComError as error:
        if error.errcode == 60020:
            raise CliError(IP_HINT) from error
        if isinstance(error, TokenRefused):
            raise CliError(f"{CREDENTIALS_HINT}（{error}）") from error
        if error.errcode == 60011:
            raise CliError("应用的可见范围不包含要读取的部门或成员："
                           "请在应用管理中把可见范围设为全单位（或相关部门）。") from error
        raise CliError(f"企业微信返回错误：{error}") from error
    except httpx.HTTPError as error:
        raise CliError(f"无法连接企业微信（{type(error).__name__}），"
                       "请检查网络或 NEWSBOT_WECOM_API_BASE_URL。") from error
