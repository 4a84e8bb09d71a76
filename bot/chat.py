"""`newsbot chat --as USERID`: the same engine and database, typed in a terminal."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator

from bot.messages import Incoming
from bot.router import Router
from bot.runtime import Runtime
from bot.text import command_line

END_OF_BODY = "发送"  # alone on its line; nothing shorter, as an article may hold a line "." or "。"
BANNER = ("以 {userid} 的身份与机器人对话，输入命令后回车发送。投稿、续稿、修改等带正文的命令："
          "先输入命令行，再逐行输入正文（可以有空行），最后单独一行输入「发送」；培训 登记的参加人员、学习 设置的"
          "内容等写在下一行的，输完后再按一次回车。Ctrl-D 退出。")

Reader = Callable[[str], "str | None"]  # prompt → a line, or None at the end of input


def run_chat(runtime: Runtime, userid: str, read: Reader | None = None, write: Callable[[str], None] = print) -> int:
    read = read or terminal_reader()
    write(BANNER.format(userid=userid))
    dispatcher = runtime.dispatcher()
    for message in _messages(runtime, read):
        reply = runtime.commands.handle(Incoming("local", userid, f"local:{uuid.uuid4().hex}", text=message))
        write(f"机器人：{reply.text or '（无回复）'}")
        while dispatcher.run_once():
            pass
    return 0


def _messages(runtime: Runtime, read: Reader) -> Iterator[str]:
    """One message per line; a command that takes a body reads lines up to 「发送」 (or the end). One whose lines
    below are its text too (培训 登记's attendees, 线索, 学习 设置), given on its line what to act on, reads them
    up to an empty line, 「发送」 or a line that is a command of its own (but 学习贯彻… is a line of items)."""
    router, waiting = runtime.commands.router, None
    while (line := waiting if waiting is not None else read("> ")) is not None:
        waiting = None
        matched = router.match(line) if line.strip() else None
        if matched is None or not matched[0].keeps_lines or not (matched[0].takes_body or matched[1].args):
            if line.strip():
                yield line
            continue
        body: list[str] = []
        if matched[0].takes_body:
            while (more := read("正文> ")) is not None and more.strip() != END_OF_BODY:
                body.append(more)
        else:
            while (more := read("下一行（空行结束）> ")) is not None and more.strip() not in ("", END_OF_BODY):
                if _a_command(router, more):
                    waiting = more
                    break
                body.append(more)
        yield "\n".join([line, *body])


def _a_command(router: Router, line: str) -> bool:
    """Whether `line` is a command of its own: its word stands alone (「稿件」, 「线索 …」, not 「学习贯彻…」)."""
    matched = router.match(line)
    if matched is None:
        return False
    rest = command_line(line)[0][len(matched[1].word):]
    return not rest or rest[0] in " #:,;、"


def terminal_reader() -> Reader:
    """Prompted input on a terminal; plain lines when stdin is a pipe."""
    if sys.stdin.isatty():
        def prompt(text: str) -> str | None:
            try:
                return input(text)
            except (EOFError, KeyboardInterrupt):  # Ctrl-D, or Ctrl-C by reflex: the chat ends, quietly
                print()
                return None
        return prompt
    lines = (line.rstrip("\n") for line in sys.stdin)
    return lambda _prompt: next(lines, None)
