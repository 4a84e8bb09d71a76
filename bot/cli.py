"""The `newsbot` command line: serve, chat, db, members, drafts, outbox."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import ValidationError
from sqlalchemy.orm import Session

from bot import migrate
from bot.config import Settings, get_settings
from bot.domain.errors import NotFound, UserError
from bot.observability import configure_logging
from bot.runtime import Runtime
from bot.views import draft_json, member_json, outbox_json, outlet_json
from bot.wecom.client import TokenRefused, WeComClient, WeComError
from models import Draft, OutboxMessage

Command = Callable[[argparse.Namespace, Settings], int]
T = TypeVar("T")


class CliError(Exception):
    """A mistake the operator can fix; printed without a traceback, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        settings = get_settings()
        return int(args.run(args, settings))
    except ValidationError as exc:
        print(f"配置有误：{exc}", file=sys.stderr)
        return 2
    except (CliError, UserError) as exc:
        print(str(exc), file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description="宣传稿件机器人 newsbot")
    commands = parser.add_subparsers(metavar="COMMAND")

    serve = commands.add_parser("serve", help="start the web server (callback + dispatcher)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1, help="web worker processes (PostgreSQL for more than 1)")
    serve.add_argument("--no-dispatcher", action="store_true", help="do not send the outbox in this process")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run the calendar in this process")
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="database").add_subparsers(metavar="ACTION", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)
    db.add_parser("rebuild-totals", help="rewrite the totals behind 排行, 积分 and 统计 from the data").set_defaults(
        run=_db_rebuild_totals)

    chat = commands.add_parser("chat", help="talk to the bot from the terminal")
    chat.add_argument("--as", dest="userid", required=True, metavar="USERID")
    chat.set_defaults(run=_chat)

    members = commands.add_parser("members", help="members and roles").add_subparsers(
        metavar="ACTION", required=True)
    imp = members.add_parser("import", help="import userid,name,department,roles from CSV")
    imp.add_argument("file", type=Path)
    imp.set_defaults(run=_members_import)
    _with_json(members.add_parser("list", help="list members")).set_defaults(run=_members_list)
    set_roles = members.add_parser("set-roles", help="replace a member's roles, e.g. editor|correspondent")
    set_roles.add_argument("userid")
    set_roles.add_argument("roles")
    set_roles.set_defaults(run=_members_set_roles)

    drafts = commands.add_parser("drafts", help="drafts").add_subparsers(metavar="ACTION", required=True)
    _with_json(drafts.add_parser("list", help="list drafts, newest first")).set_defaults(run=_drafts_list)
    show = _with_json(drafts.add_parser("show", help="one draft with its versions"))
    show.add_argument("number", type=int)
    show.set_defaults(run=_drafts_show)
    form = drafts.add_parser("form", help="write the approval form (审批表) as .docx")
    form.add_argument("number", type=int)
    form.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.docx")
    form.set_defaults(run=_drafts_form)

    out = commands.add_parser("outbox", help="outgoing messages").add_subparsers(metavar="ACTION", required=True)
    _with_json(out.add_parser("list", help="newest outgoing messages")).set_defaults(run=_outbox_list)
    again = out.add_parser("retry", help="queue dead messages again")
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("id", type=int, nargs="?")
    which.add_argument("--all-dead", action="store_true", help="every dead message")
    again.set_defaults(run=_outbox_retry)
    purge = out.add_parser("purge-sent", help="delete sent messages older than DAYS")
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    purge.set_defaults(run=_outbox_purge)

    dispatcher = commands.add_parser("dispatcher", help="send the outbox (alone, beside web workers)")
    dispatcher.add_argument("--until-idle", action="store_true", help="exit when nothing is due")
    dispatcher.set_defaults(run=_dispatcher)

    commands.add_parser("scheduler", help="run the calendar alone").set_defaults(run=_scheduler)
    study = commands.add_parser("study", help="the month's study items (学习)").add_subparsers(
        metavar="ACTION", required=True)
    set_study = study.add_parser("set", help="set a month's study items")
    set_study.add_argument("--month", required=True, metavar="YYYY-MM")
    set_study.add_argument("text")
    set_study.set_defaults(run=_study_set)
    plan = commands.add_parser("schedule", help="the calendar's schedules").add_subparsers(
        metavar="ACTION", required=True)
    _with_json(plan.add_parser("list", help="schedules and their next firing")).set_defaults(run=_schedule_list)
    for name, helptext in (("enable", "turn a schedule on"), ("disable", "turn a schedule off")):
        toggle = plan.add_parser(name, help=helptext)
        toggle.add_argument("id")
        toggle.set_defaults(run=_schedule_toggle, enabled=name == "enable")
    change_plan = plan.add_parser("set", help="change rule fields or parameters: hour=9 day=last_fri place=…")
    change_plan.add_argument("id")
    change_plan.add_argument("changes", nargs="+", metavar="FIELD=VALUE")
    change_plan.set_defaults(run=_schedule_set)
    _with_json(plan.add_parser("runs", help="every firing: period, claimed by, outcome")).set_defaults(
        run=_schedule_runs)

    group = commands.add_parser("group", help="the work group").add_subparsers(metavar="ACTION", required=True)
    create = group.add_parser("create", help="create the app's group chat; prints its chat id")
    create.add_argument("name")
    create.add_argument("userids", nargs="+", metavar="USERID", help="the first is the owner; at least two")
    create.set_defaults(run=_group_create)

    outlets = commands.add_parser("outlets", help="outlets (媒体)").add_subparsers(metavar="ACTION", required=True)
    _with_json(outlets.add_parser("list", help="the outlets, retired ones too")).set_defaults(run=_outlets_list)
    add = outlets.add_parser("add", help="add an outlet")
    add.add_argument("name")
    add.add_argument("level", help="central|provincial|city|county|own (or 中央/省/市/县/本单位)")
    add.add_argument("--mailbox", default="")
    add.set_defaults(run=_outlets_add)
    change = outlets.add_parser("edit", help="change fields: FIELD=VALUE (e.g. mailbox=a@b.cn max_chars=1500)")
    change.add_argument("name")
    change.add_argument("changes", nargs="+", metavar="FIELD=VALUE")
    change.set_defaults(run=_outlets_edit)
    retire = outlets.add_parser("retire", help="stop offering an outlet (its history stays)")
    retire.add_argument("name")
    retire.set_defaults(run=_outlets_retire)

    rules = commands.add_parser("rewards", help="the reward rules (新闻用稿奖励办法)").add_subparsers(
        metavar="ACTION", required=True)
    rules.add_parser("show", help="print the rules as JSON").set_defaults(run=_rewards_show)
    set_rules = rules.add_parser("set", help="change rules: city=3 policy=sum editor_share=0.2 …")
    set_rules.add_argument("changes", nargs="+", metavar="FIELD=VALUE")
    set_rules.set_defaults(run=_rewards_set)

    report = commands.add_parser("report", help="spreadsheets").add_subparsers(metavar="KIND", required=True)
    money = report.add_parser("rewards", help="the reward settlement of a year or quarter (.xlsx)")
    money.add_argument("--year", type=int, required=True)
    money.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
    money.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.xlsx")
    money.set_defaults(run=_report_rewards)
    monthly = report.add_parser("monthly", help="the month's figures (.xlsx, or printed)")
    monthly.add_argument("--month", required=True, metavar="YYYY-MM")
    monthly.add_argument("-o", "--output", type=Path, metavar="FILE.xlsx")
    monthly.set_defaults(run=_report_monthly)

    sync = members.add_parser("sync", help="read departments and users from WeCom")
    sync.add_argument("--force", action="store_true", help="allow deactivating more than half of the members")
    sync.set_defaults(run=_members_sync)
    return parser


def _with_json(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _runtime(settings: Settings) -> Runtime:
    _require_current_schema(settings)
    return Runtime.build(settings)


def _require_current_schema(settings: Settings) -> None:
    if not migrate.is_current(settings.database_url):
        raise CliError("数据库未初始化或不是最新结构：请先运行 `newsbot db upgrade`。")


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    configure_logging()
    if args.workers < 1:
        raise CliError("--workers 至少为 1。")
    _require_current_schema(settings)  # once, before any worker starts
    # Each worker builds its app from the environment (bot.app.from_environment): the flags travel there.
    if args.no_dispatcher:
        os.environ["NEWSBOT_DISPATCHER"] = "off"
    if args.no_scheduler:
        os.environ["NEWSBOT_SCHEDULER"] = "off"
    # Several workers' counters add up in /metrics, whichever worker is scraped, through a shared folder.
    shared = args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    with tempfile.TemporaryDirectory(prefix="newsbot-metrics-") if shared else nullcontext() as metrics_dir:
        if metrics_dir:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        uvicorn.run("bot.app:from_environment", factory=True, workers=args.workers,
                    host=args.host or settings.host, port=args.port or settings.port)
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    migrate.upgrade(settings.database_url, zone=settings.zone)
    print("数据库已是最新结构。")
    return 0


def _db_rebuild_totals(args: argparse.Namespace, settings: Settings) -> int:
    _require_current_schema(settings)
    migrate.rebuild_totals(settings.database_url, settings.zone)
    print("积分、排行和统计的汇总已按现有数据重写。")
    return 0


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.chat import run_chat

    return run_chat(_runtime(settings), args.userid)


def _members_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import members

    try:
        source = args.file.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CliError(f"无法读取文件 {args.file}：{exc.strerror}") from exc
    runtime = _runtime(settings)
    with source, runtime.sessions.begin() as session:
        result = members.import_csv(session, source, runtime.clock())
    print(f"导入完成：新增 {result.created} 人，更新 {result.updated} 人。")
    return 0


def _members_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import members

    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        rows = [member_json(m) for m in members.all_members(session)]
    _print(rows, args.json, lambda m: "\t".join([m["userid"], m["name"], m["department"] or "-",
                                                 "|".join(m["roles"]) or "-", "" if m["active"] else "停用"]))
    return 0


def _members_set_roles(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import members

    roles = members.parse_roles(args.roles)
    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        if members.get(session, args.userid) is None:
            raise CliError(f"没有成员「{args.userid}」。运行 `newsbot members list` 查看，"
                           "或用 `newsbot members import FILE.csv` 导入。")
        member = members.set_roles(session, args.userid, roles, runtime.clock(), actor=None)
        print(f"{member.userid}（{member.name}）的角色：{member.role_labels}")
    return 0


def _drafts_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import drafts

    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        rows = [draft_json(session, d, with_versions=False) for d in drafts.newest(session, limit=200)]
    _print(rows, args.json, lambda d: f"#{d['number']}\t{d['state']}\t{d['author']}\t"
                                      f"{d['editor'] or '-'}\t{d['title']}")
    return 0


def _drafts_show(args: argparse.Namespace, settings: Settings) -> int:
    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        data = draft_json(session, _draft(session, args.number), with_versions=True)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"#{data['number']} {data['title']}\n状态：{data['state']}  作者：{data['author']}  "
          f"编辑：{data['editor'] or '-'}")
    for version in data["versions"]:
        print(f"\n--- v{version['number']} {version['created_at']} {version['author']} "
              f"({version['words']} 字) ---\n{version['text']}")
    return 0


def _drafts_form(args: argparse.Namespace, settings: Settings) -> int:
    from bot.forms import write_approval_form

    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        draft = _draft(session, args.number)
        try:
            write_approval_form(session, draft, args.output, settings.zone)
        except OSError as exc:
            raise CliError(f"无法写入 {args.output}：{exc.strerror}") from exc
    print(f"审批表已写入 {args.output}")
    return 0


def _outbox_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot import outbox

    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        rows = [outbox_json(m) for m in outbox.newest(session, limit=200)]
    _print(rows, args.json, lambda m: f"{m['id']}\t{m['state']}\t{m['channel']}:{m['recipient']}\t"
                                      f"{m['attempts']}\t{m['summary']}")
    return 0


def _draft(session: Session, number: int) -> Draft:
    from bot.domain import drafts

    try:
        return drafts.get(session, number)
    except NotFound as exc:
        raise CliError(f"没有稿件 #{number}。运行 `newsbot drafts list` 查看全部稿件。") from exc


def _outbox_retry(args: argparse.Namespace, settings: Settings) -> int:
    from bot import outbox

    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        count = outbox.retry(session, None if args.all_dead else [args.id], runtime.clock())
        if not args.all_dead and count == 0:
            message = session.get(OutboxMessage, args.id)
            if message is None:
                raise CliError(f"发件箱没有第 {args.id} 条。运行 `newsbot outbox list` 查看。")
            raise CliError(f"第 {args.id} 条的状态是 {message.state}：只有发送失败（dead）的消息可以重试。")
    print(f"已重新排队 {count} 条。")
    return 0


def _outbox_purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot import outbox

    if args.older_than < 1:
        raise CliError("--older-than 至少为 1 天。")
    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        count = outbox.purge_sent(session, runtime.clock() - timedelta(days=args.older_than))
    print(f"已删除 {count} 条 {args.older_than} 天前已发送的消息。")
    return 0


def _dispatcher(args: argparse.Namespace, settings: Settings) -> int:
    from bot.outbox import DispatcherThread

    configure_logging()
    runtime = _runtime(settings)
    runtime.announce_mode()
    if args.until_idle:
        dispatcher = runtime.dispatcher()
        while dispatcher.run_once():
            pass
        return 0
    worker = DispatcherThread(runtime.dispatcher(), settings.outbox_poll_seconds)
    _run_until_signalled(worker.start, worker.stop)
    return 0


def _scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from bot.scheduler import Calendar, SchedulerThread

    configure_logging()
    runtime = _runtime(settings)
    calendar = SchedulerThread(Calendar(runtime.sessions, settings, runtime.clock), settings)
    _run_until_signalled(calendar.start, calendar.stop)
    return 0


def _study_set(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import meetings, stats

    stats.parse_month(args.month, date.today())  # validates YYYY-MM
    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        meetings.set_study_items(session, args.month, args.text, runtime.clock(), actor=None)
    print(f"已设置 {args.month} 的学习内容。")
    return 0


def _run_until_signalled(start: Callable[[], None], stop: Callable[[], None]) -> None:
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    start()
    stopped.wait()
    stop()


def _schedule_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import schedules

    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        rows = []
        for schedule in schedules.everything(session):
            upcoming = schedules.next_fire(schedule, runtime.clock(), settings.zone)
            rows.append({"id": schedule.id, "job": schedule.job, "rule": schedule.rule, "enabled": schedule.enabled,
                         "params": schedule.params, "grace_minutes": schedule.grace_minutes,
                         "next": upcoming.isoformat() if upcoming else None})
    _print(rows, args.json, lambda r: "\t".join([r["id"], schedules.describe_rule(r["rule"]),
                                                 r["next"] or "disabled"]))
    return 0


def _schedule_toggle(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import schedules

    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        schedules.enable(session, args.id, args.enabled, runtime.clock(), actor=None)
    print(f"{args.id}: {'enabled' if args.enabled else 'disabled'}")
    return 0


def _schedule_set(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import schedules

    changes = dict(_field_value(pair) for pair in args.changes)
    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        schedule = schedules.change(session, args.id, changes, settings.zone, runtime.clock(), actor=None)
        params = json.dumps(schedule.params, ensure_ascii=False)
        print(f"{schedule.id}: {schedules.describe_rule(schedule.rule)} {params}")
    return 0


def _schedule_runs(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import schedules

    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        rows = [{"schedule": r.schedule_id, "period": r.period, "claimed_by": r.claimed_by,
                 "claimed_at": r.claimed_at.isoformat(), "outcome": r.outcome, "detail": r.detail,
                 "messages": r.messages} for r in schedules.runs(session)]
    _print(rows, args.json, lambda r: "\t".join([r["schedule"], r["period"], r["outcome"], str(r["messages"]),
                                                 r["claimed_by"]]))
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


def _members_sync(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import directory

    client = _client(settings)
    departments = _wecom(client.departments)
    users = _wecom(lambda: client.users(directory.top_departments(departments)))
    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        result = directory.sync(session, departments, users, runtime.clock(), force=args.force)
    print(f"同步完成：新增 {result.created} 人，更新 {result.updated} 人，停用 {result.deactivated} 人（离职）。")
    return 0


def _client(settings: Settings) -> WeComClient:
    if settings.local_mode:
        raise CliError("需要企业微信凭据：设置 NEWSBOT_WECOM_CORP_ID、NEWSBOT_WECOM_SECRET、NEWSBOT_WECOM_AGENT_ID。")
    client = _runtime(settings).client
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


def _outlets_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import outlets

    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        rows = [outlet_json(o) for o in outlets.everything(session)]
    _print(rows, args.json, lambda o: "\t".join([o["name"], o["level"], o["mailbox"] or "-",
                                                 "" if o["active"] else "停用"]))
    return 0


def _outlets_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import outlets

    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        outlet = outlets.add(session, args.name, args.level, args.mailbox, runtime.clock(), actor=None)
        print(f"已添加媒体「{outlet.name}」。")
    return 0


def _outlets_edit(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import outlets

    changes = dict(_field_value(pair) for pair in args.changes)
    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        outlet = outlets.edit(session, outlets.find(session, args.name, include_retired=True), changes,
                              runtime.clock(), actor=None)
        print(json.dumps(outlet_json(outlet), ensure_ascii=False))
    return 0


def _outlets_retire(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import outlets

    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        outlets.retire(session, outlets.find(session, args.name), runtime.clock(), actor=None)
    print(f"已停用媒体「{args.name}」；投稿和刊发记录保留。")
    return 0


def _rewards_show(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import rewards

    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        rules = rewards.current(session)
        print(json.dumps({field: getattr(rules, field) for field in rewards.RULE_FIELDS}, ensure_ascii=False))
    return 0


def _rewards_set(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import rewards

    changes = dict(_field_value(pair) for pair in args.changes)
    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        rules = rewards.change(session, changes, None, runtime.clock())
        print(json.dumps({field: getattr(rules, field) for field in rewards.RULE_FIELDS}, ensure_ascii=False))
    return 0


def _field_value(pair: str) -> tuple[str, str]:
    field, sep, value = pair.partition("=")
    if not sep:
        raise CliError(f"「{pair}」应写成 FIELD=VALUE，例如 mailbox=tougao@example.com")
    return field, value


def _report_rewards(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain.stats import parse_period
    from bot.reports import rewards_workbook

    period = f"{args.year}Q{args.quarter}" if args.quarter else str(args.year)
    start, end, name = parse_period(period, date.today())
    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        _writing(args.output, lambda: rewards_workbook(session, start, end, name, args.output))
    print(f"{name}用稿奖励表已写入 {args.output}")
    return 0


def _report_monthly(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import stats
    from bot.reports import monthly_workbook

    start, end = stats.parse_month(args.month, date.today())
    runtime = _runtime(settings)
    with runtime.sessions.begin() as session:
        if args.output:
            _writing(args.output, lambda: monthly_workbook(session, start, end, settings.zone, args.output))
            print(f"{args.month} 统计已写入 {args.output}")
            return 0
        figures = stats.month(session, start, end, settings.zone)
    print(f"{args.month}：投稿 {figures.submitted}，批准 {figures.approved}，"
          f"投递 {figures.sent}，刊发 {figures.published}")
    for row in figures.outlets:
        print(f"{row.name}\t投递 {row.sent}\t刊发 {row.published}\t上稿率 {row.rate}")
    return 0


def _writing(path: Path, write: Callable[[], None]) -> None:
    try:
        write()
    except OSError as exc:
        raise CliError(f"无法写入 {path}：{exc.strerror}") from exc


def _print(rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            print(line(row))


if __name__ == "__main__":
    raise SystemExit(main())
