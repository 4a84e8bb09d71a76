"""A separate process that sends one chat message at an agreed moment: `python -m tests.race_worker
DATABASE_URL USERID START_AT TEXT` prints the bot's reply."""

from __future__ import annotations

import sys
import time
import uuid

from bot.config import Settings
from bot.messages import Incoming
from bot.runtime import Runtime


def main() -> None:
    url, userid, start_at, text = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    runtime = Runtime.build(Settings(_env_file=None, database_url=url))
    with runtime.db.connect():  # connect before the start line, so both race from the same point
        pass
    time.sleep(max(0.0, start_at - time.time()))
    reply = runtime.commands.handle(Incoming("local", userid, f"race:{uuid.uuid4().hex}", text=text))
    print(reply.text if reply else "")
    runtime.close()


if __name__ == "__main__":
    main()
