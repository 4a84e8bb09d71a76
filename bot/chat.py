"""`newsbot chat --as USERID`: the same engine and database, typed in a terminal."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator

from bot.messages import Incoming
from bot.runtime import Runtime

BANNER = ("以 {userid} 的身份与机器人对话。输入命令后回车发送；"
          "投稿、续稿等需要正文的命令，在后面几行写正文，空一行发送。Ctrl-D 退出。")


def run_chat(runtime: Runtime, userid: str, lines: Iterator[str] | None = None,
             write: Callable[[str], None] = print) -> int:
    interactive = lines is None and sys.stdin.isatty()
    source = lines if lines is not None else _stdin_lines(interactive)
    write(BANNER.format(userid=userid))
    dispatcher = runtime.dispatcher()
    for message in _messages(runtime, source):
        reply = runtime.commands.handle(Incoming("local", userid, f"local:{uuid.uuid4().hex}", text=message))
        write(f"机器人：{reply.text if reply else '（无回复）'}")
        while dispatcher.run_once():
            pass
    return 0


def _messages(runtime: Runtime, lines: Iterator[str]) -> Iterator[str]:
    """One message per line; a command that takes a body collects lines up to a blank one."""
    for line in lines:
        if not line.strip():
            continue
        matched = runtime.commands.router.match(line)
        if matched is None or not matched[0].takes_body:
            yield line
            continue
        body = []
        for more in lines:
            if not more.strip():
                break
            body.append(more)
        yield "\n".join([line, *body])


def _stdin_lines(interactive: bool) -> Iterator[str]:
    if not interactive:
        yield from (line.rstrip("\n") for line in sys.stdin)
        return
    while True:
        try:
            yield input("> ")
        except EOFError:
            return
