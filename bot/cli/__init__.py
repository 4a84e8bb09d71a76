"""The `newsbot` command line: one module per area, each adding its own commands.

serving (serve, dispatcher, scheduler, db, chat) · people (members, group) · records (drafts, outbox) ·
office (study, schedule, outlets, rewards, report)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from bot.cli import office, people, records, serving
from bot.cli.common import CliError
from bot.config import Settings, get_settings
from bot.domain.errors import UserError


def _config_problem(error: Any) -> str:
    """「NEWSBOT_SMTP_PORT：…」 for one setting; a rule across settings names its settings itself."""
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"NEWSBOT_{'_'.join(map(str, error['loc'])).upper()}：{message}" if error["loc"] else message


def main(argv: Sequence[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if not hasattr(args, "run"):
        cli.print_help()
        return 2
    try:
        settings = _settings()
        status = int(args.run(args, settings))
        sys.stdout.flush()  # a closed pipe shows here, where it is handled, not at exit
        return status
    except BrokenPipeError:  # `newsbot outbox list | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ValidationError as exc:
        problems = "；".join(_config_problem(error) for error in exc.errors())
        print(f"配置有误（请检查 .env 或环境变量）：{problems}", file=sys.stderr)
        return 2
    except (CliError, UserError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (ArgumentError, NoSuchModuleError, OperationalError) as exc:  # the URL, or a database out of reach
        print(f"数据库出错，未做任何修改：{exc.orig if isinstance(exc, OperationalError) else exc}\n"
              "连不上时请检查 NEWSBOT_DATABASE_URL（SQLite 文件所在的目录要存在且可写；PostgreSQL 要能连上）；"
              "数据库忙时稍后再试。", file=sys.stderr)
        return 2


def _settings() -> Settings:
    try:
        return get_settings()
    except UnicodeDecodeError as exc:  # Notepad on a Chinese Windows saves GBK ("ANSI")
        raise CliError("配置文件 .env 不是 UTF-8 编码：请用记事本打开，“另存为”时编码选 UTF-8，再运行。") from exc


def parser() -> argparse.ArgumentParser:
    """The whole command line."""
    root = argparse.ArgumentParser(prog="newsbot", description="宣传稿件机器人 newsbot")
    commands = root.add_subparsers(metavar="COMMAND")
    for area in (serving, people, records, office):
        area.add_commands(commands)
    return root
