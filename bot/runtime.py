"""The assembled bot: settings, database, command engine and outbox, shared by server and CLI."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.config import Settings
from bot.db import make_engine, make_sessionmaker
from bot.engine import Clock, CommandEngine, utc_now
from bot.outbox import Dispatcher, LocalTransport, Transport
from handlers import ROUTER

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    db: Engine
    sessions: sessionmaker[Session]
    commands: CommandEngine
    clock: Clock
    transports: dict[str, Transport] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, clock: Clock = utc_now,
              transports: dict[str, Transport] | None = None) -> Runtime:
        db = make_engine(settings.database_url)
        sessions = make_sessionmaker(db)
        commands = CommandEngine(sessions, settings, ROUTER, clock)
        return cls(settings, db, sessions, commands, clock, transports or local_transports())

    def dispatcher(self) -> Dispatcher:
        return Dispatcher(self.sessions, self.transports, self.clock)

    def announce_mode(self) -> None:
        """Say once, at start, how outgoing messages leave."""
        if self.settings.local_mode:
            log.warning("本地模式：未配置企业微信凭据（NEWSBOT_WECOM_CORP_ID/SECRET/AGENT_ID），"
                        "发出的消息只打印并保存在发件箱，不会发送。")
        elif all(isinstance(t, LocalTransport) for t in self.transports.values()):
            log.warning("发件箱使用本地通道：消息打印并保存，不发送到企业微信。")

    def close(self) -> None:
        self.db.dispose()


def local_transports() -> dict[str, Transport]:
    local = LocalTransport()
    return {outbox.APP: local, outbox.GROUP: local}
