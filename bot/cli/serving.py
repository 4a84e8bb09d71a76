"""`newsbot serve`, `dispatcher`, `scheduler`, `db` and `chat`: the processes and the schema."""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import threading
from collections.abc import Callable
from contextlib import nullcontext

from bot import migrate
from bot.cli.common import CliError, Commands, require_current_schema, require_known_schema, runtime_for
from bot.config import Settings, get_settings
from bot.observability import announce_process, configure_logging


def add_commands(commands: Commands) -> None:
    serve = commands.add_parser("serve", help="start the web server (callback + dispatcher + calendar)")
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

    dispatcher = commands.add_parser("dispatcher", help="send the outbox (alone, beside web workers)")
    dispatcher.add_argument("--until-idle", action="store_true", help="exit when nothing is due")
    dispatcher.set_defaults(run=_dispatcher)

    commands.add_parser("scheduler", help="run the calendar alone").set_defaults(run=_scheduler)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    configure_logging()
    if args.workers < 1:
        raise CliError("--workers 至少为 1。")
    if args.port is not None and not 1 <= args.port <= 65535:
        raise CliError(f"--port 应在 1 到 65535 之间，不是 {args.port}。")
    require_current_schema(settings)  # once, before any worker starts
    # Each worker builds its app from the environment (bot.app.from_environment): the flags travel there.
    if args.no_dispatcher:
        os.environ["NEWSBOT_DISPATCHER"] = "off"
    if args.no_scheduler:
        os.environ["NEWSBOT_SCHEDULER"] = "off"
    get_settings.cache_clear()  # one worker runs in this process, whose settings were read before the flags
    # Several workers' counters add up in /metrics, whichever worker is scraped, through a shared folder.
    shared = args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    with tempfile.TemporaryDirectory(prefix="newsbot-metrics-") if shared else nullcontext() as metrics_dir:
        if metrics_dir:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        uvicorn.run("bot.app:from_environment", factory=True, workers=args.workers,
                    host=args.host or settings.host, port=args.port or settings.port)
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    if migrate.missing_file(settings.database_url) is None:  # a new SQLite file has no revision to check
        require_known_schema(settings.database_url)
    migrate.upgrade(settings.database_url, zone=settings.zone)
    print("数据库已升级到最新结构。")
    return 0


def _db_rebuild_totals(args: argparse.Namespace, settings: Settings) -> int:
    require_current_schema(settings)
    migrate.rebuild_totals(settings.database_url, settings.zone)
    print("积分、排行和统计的汇总已按现有数据重写。")
    return 0


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.chat import run_chat

    return run_chat(runtime_for(settings), args.userid)


def _dispatcher(args: argparse.Namespace, settings: Settings) -> int:
    from bot.outbox import DispatcherThread

    configure_logging()
    runtime = runtime_for(settings)
    announce_process("dispatcher", settings.database_url,
                     "until-idle" if args.until_idle else f"poll={settings.outbox_poll_seconds:g}s")
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
    runtime = runtime_for(settings)
    announce_process("scheduler", settings.database_url, f"tick={settings.scheduler_tick_seconds:g}s",
                     f"zone={settings.zone.key}")
    calendar = SchedulerThread(Calendar(runtime.sessions, settings, runtime.clock), settings)
    _run_until_signalled(calendar.start, calendar.stop)
    return 0


def _run_until_signalled(start: Callable[[], None], stop: Callable[[], None]) -> None:
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    start()
    stopped.wait()
    stop()
