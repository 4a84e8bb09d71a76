"""What the command modules share: the operator's error, the runtime, and output helpers."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeAlias

from bot import migrate
from bot.config import Settings
from bot.runtime import Runtime

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"  # what add_subparsers returns


class CliError(Exception):
    """A mistake the operator can fix; printed without a traceback, exit status 2."""


def with_json(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def runtime_for(settings: Settings) -> Runtime:
    require_current_schema(settings)
    return Runtime.build(settings)


def office_today(runtime: Runtime) -> date:
    """Today in the office's zone: on a server in UTC, 1 January begins at 08:00."""
    return runtime.clock().astimezone(runtime.settings.zone).date()


def require_current_schema(settings: Settings) -> None:
    url = settings.database_url
    if (missing := migrate.missing_file(url)) is not None:
        raise CliError(f"数据库文件 {missing} 不存在（当前目录：{Path.cwd()}）。新装请先运行 `newsbot db upgrade`；"
                       "已有数据时请到正确的目录运行，或检查 NEWSBOT_DATABASE_URL。")
    if not migrate.is_current(url):
        require_known_schema(url)
        raise CliError("数据库未初始化或不是本版本的结构（配置已读取，没有问题）。新装请运行 `newsbot db upgrade`；"
                       "升级时先停止正在运行的 newsbot serve、dispatcher 和 scheduler，再运行它。")


def require_known_schema(url: str) -> None:
    """Refuse a database a newer release has upgraded: this code would misread it, and cannot upgrade it."""
    if newer := migrate.unknown_revisions(url):
        raise CliError(f"数据库结构（版本 {'、'.join(newer)}）比本程序新，是新版本升级过的。"
                       "请安装与数据库相符的版本；不要用旧版本运行或降级数据库。")


def field_value(pair: str, example: str) -> tuple[str, str]:
    field, sep, value = pair.partition("=")
    if not sep:
        raise CliError(f"「{pair}」应写成 FIELD=VALUE，例如 {example}")
    return field, value


def writing(path: Path, write: Callable[[Path], None]) -> None:
    """`write` to a file beside `path`, then put it in place: a failure (a full disk) leaves an earlier file
    whole, never a document cut off under its name."""
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(temporary)
        os.replace(temporary, path)
    except OSError as exc:
        raise CliError(f"无法写入 {path}：{exc.strerror}") from exc
    finally:
        temporary.unlink(missing_ok=True)


def print_rows(rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        print("（无）")  # not an empty screen the operator cannot tell from a command that did nothing
    else:
        for row in rows:
            print(line(row))
