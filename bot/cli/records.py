"""`newsbot drafts`, `outbox` and `mail`: what was written, what was sent, and whether e-mail can go."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from bot.cli.common import CliError, Commands, print_rows, runtime_for, with_json, writing
from bot.cli.json_views import draft_json, outbox_json
from bot.config import Settings
from bot.domain.errors import NotFound
from models import Draft, OutboxMessage, OutboxState

LISTED = 200  # `outbox list`: the newest rows (a few days of traffic), and every dead one besides


def add_commands(commands: Commands) -> None:
    drafts = commands.add_parser("drafts", help="drafts").add_subparsers(metavar="ACTION", required=True)
    with_json(drafts.add_parser("list", help="list drafts, newest first")).set_defaults(run=_drafts_list)
    show = with_json(drafts.add_parser("show", help="one draft with its versions"))
    show.add_argument("number", type=int)
    show.set_defaults(run=_drafts_show)
    form = drafts.add_parser("form", help="write the approval form (审批表) as .docx")
    form.add_argument("number", type=int)
    form.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.docx")
    form.set_defaults(run=_drafts_form)

    out = commands.add_parser("outbox", help="outgoing messages").add_subparsers(metavar="ACTION", required=True)
    listing = with_json(out.add_parser("list", help="the newest outgoing messages, and every dead one"))
    listing.add_argument("--state", choices=[state.value for state in OutboxState], help="only messages in this state")
    listing.set_defaults(run=_outbox_list)
    again = out.add_parser("retry", help="queue dead messages again")
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("id", type=int, nargs="?")
    which.add_argument("--all-dead", action="store_true", help="every dead message")
    again.set_defaults(run=_outbox_retry)
    purge = out.add_parser("purge-sent", help="delete sent messages older than DAYS")
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    purge.set_defaults(run=_outbox_purge)

    mail = commands.add_parser("mail", help="e-mail to the outlets").add_subparsers(metavar="ACTION", required=True)
    check = mail.add_parser("check", help="connect, encrypt and log in as set; with --to, send a test e-mail")
    check.add_argument("--to", metavar="ADDRESS", help="send a test e-mail to this address")
    check.set_defaults(run=_mail_check)


def _drafts_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import drafts

    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        rows = [draft_json(session, d, with_versions=False) for d in drafts.newest(session, limit=200)]
    print_rows(rows, args.json, lambda d: f"#{d['number']}\t{d['state']}\t{d['author']}\t"
                                          f"{d['editor'] or '-'}\t{d['title']}")
    return 0


def _drafts_show(args: argparse.Namespace, settings: Settings) -> int:
    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        data = draft_json(session, _draft(session, args.number), with_versions=True)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"#{data['number']} {data['title']}\n状态：{data['state']}  作者：{data['author']}  "
          f"编辑：{data['editor'] or '-'}")
    for version in data["versions"]:
        written = datetime.fromisoformat(version["created_at"]).astimezone(settings.zone)  # JSON keeps UTC
        print(f"\n--- v{version['number']} {written:%Y-%m-%d %H:%M} {version['author']} "
              f"({version['words']} 字) ---\n{version['text']}")
    return 0


def _drafts_form(args: argparse.Namespace, settings: Settings) -> int:
    from bot.forms import write_approval_form

    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        draft = _draft(session, args.number)
        writing(args.output, lambda path: write_approval_form(session, draft, path, settings.zone))
    print(f"审批表已写入 {args.output}")
    return 0


def _draft(session: Session, number: int) -> Draft:
    from bot.domain import drafts

    try:
        return drafts.get(session, number)
    except NotFound as exc:
        raise CliError(f"没有稿件 #{number}。运行 `newsbot drafts list` 查看全部稿件。") from exc


def _outbox_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot import outbox

    runtime = runtime_for(settings)
    state = OutboxState(args.state) if args.state else None
    with runtime.sessions.begin() as session:
        rows = [outbox_json(m) for m in outbox.newest(session, LISTED, state)]
    print_rows(rows, args.json, lambda m: f"{m['id']}\t{m['state']}\t{m['channel']}:{m['recipient']}\t"
                                          f"{m['attempts']}\t{m['summary']}"
                                          + (f"\t{m['last_error']}" if m["state"] == OutboxState.dead else ""))
    if len(rows) >= LISTED:
        print(f"（只列出最新 {LISTED} 条" + ("" if state else "和全部 dead") + "；可用 --state pending 等筛选）",
              file=sys.stderr)
    return 0


def _outbox_retry(args: argparse.Namespace, settings: Settings) -> int:
    from bot import outbox

    runtime = runtime_for(settings)
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

    if args.older_than < outbox.KEEP_SENT_DAYS:
        raise CliError(f"--older-than 至少为 {outbox.KEEP_SENT_DAYS} 天：更近的已发消息还用来防止重复发送"
                       "（如主题日征稿、本月学习提醒）。")
    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        count = outbox.purge_sent(session, runtime.clock() - timedelta(days=args.older_than))
    print(f"已删除 {count} 条 {args.older_than} 天前已发送的消息。")
    return 0


def _mail_check(args: argparse.Namespace, settings: Settings) -> int:
    """The SMTP settings tried before any draft depends on them: a wrong one is named, with what to set."""
    import smtplib

    from bot import mail

    if not settings.mail_configured:
        raise CliError("未设置 NEWSBOT_SMTP_HOST 和 NEWSBOT_SMTP_SENDER，不向媒体发邮件。"
                       "要投递请在 .env 中设置后再检查。")
    try:
        smtp = mail.connect(settings)
    except Exception as exc:
        raise CliError(f"邮件设置有问题：{mail.setting_problem(exc, settings)}") from exc
    try:
        login = f"以 {settings.smtp_user} 登录" if settings.smtp_user else "未登录（NEWSBOT_SMTP_USER 为空）"
        print(f"已连接 {settings.smtp_host}:{settings.smtp_port}（加密方式 {settings.smtp_tls}），{login}。")
        if args.to:
            try:
                smtp.send_message(mail.test_message(settings, args.to, datetime.now(UTC)))
            except smtplib.SMTPException as exc:
                raise CliError(f"已连接并登录，但测试邮件未被接受：{exc}。请检查 NEWSBOT_SMTP_SENDER "
                               f"（{settings.smtp_sender}）是否为登录账号的地址，以及收件地址 {args.to}。") from exc
            print(f"测试邮件已发给 {args.to}，请到该邮箱查收（也请看垃圾邮件）。")
    finally:
        mail.quit_quietly(smtp)
    return 0
