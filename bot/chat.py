"""`newsbot chat --as USERID`: the same engine and database, typed in a terminal."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator

from bot.messages import Incoming
from bot.runtime import Runtime

END_OF_BODY = "发送"  # alone on its line; nothing shorter, as an article may hold a line "." or "。"
BANNER = ("以 {userid} 的身份与机器人对话，输入命令后回车发送。投稿、续稿、修改等带正文的命令："
          "先输入命令行，再逐行输入正文（可以有空行），最后单独一行输入「发送」；培训 登记的参加人员、线索等"
          "可写在下一行的命令，输完后再按一次回车。Ctrl-D 退出。")

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
    """One message per line; a command that takes a body reads lines up to 「发送」 (or the end); one whose lines
    below are its text too (培训 登记's attendees, 线索, 学习 设置) up to an empty line or 「发送」: a line of
    them may begin with a command word (学习贯彻…)."""
    while (line := read("> ")) is not None:
        if not line.strip():
            continue
        matched = runtime.commands.router.match(line)
        if matched is None or not matched[0].keeps_lines:
            yield line
            continue
        article = matched[0].takes_body
        prompt, ends = ("正文> ", {END_OF_BODY}) if article else ("下一行（空行结束）> ", {"", END_OF_BODY})
        body = []
        while (more := read(prompt)) is not None and more.strip() not in ends:
            body.append(more)
        yield "\n".join([line, *body])


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
