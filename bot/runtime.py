"""The assembled bot: settings, database, command engine, outbox and transports, shared by server and CLI."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import dead_letters, outbox
from bot.config import Settings
from bot.db import make_engine, make_sessionmaker
from bot.domain import submitting
from bot.engine import Clock, CommandEngine, utc_now
from bot.exports import EXPORT_JOB, ExportJob
from bot.file_drafts import FILE_JOB, FileDraftJob
from bot.mail import MailTransport
from bot.outbox import Dispatcher, LocalTransport, Transport
from bot.wecom.client import Media, TokenStore, WeComClient, download_encrypted
from bot.wecom.crypto import aes_key
from bot.wecom.transports import (
    AiBotReplyTransport,
    AppChatTransport,
    AppTransport,
    SendWindowLimit,
    WebhookTransport,
)
from handlers import ROUTER

log = logging.getLogger(__name__)

# WeCom's sending limits, with a second of margin: our clock and WeCom's need not agree on where a minute starts.
ROBOT_LIMITS = [(20, timedelta(seconds=61))]  # a group robot's messages
MEMBER_LIMITS = [(30, timedelta(seconds=61)), (1000, timedelta(seconds=3601))]  # an app's messages to one member


@dataclass
class Runtime:
    settings: Settings
    db: Engine
    sessions: sessionmaker[Session]
    commands: CommandEngine
    clock: Clock
    transports: dict[str, Transport] = field(default_factory=dict)
    client: WeComClient | None = None
    http: httpx.Client = field(default_factory=httpx.Client)  # plain HTTP: AI bot files and response_urls

    @classmethod
    def build(cls, settings: Settings, clock: Clock = utc_now,
              transports: dict[str, Transport] | None = None) -> Runtime:
        db = make_engine(settings.database_url)
        sessions = make_sessionmaker(db)
        commands = CommandEngine(sessions, settings, ROUTER, clock)
        runtime = cls(settings, db, sessions, commands, clock,
                      http=httpx.Client(timeout=settings.wecom_api_timeout_seconds))
        runtime.client = None if settings.local_mode else runtime._client()
        runtime.transports = transports if transports is not None else runtime._transports()
        return runtime

    def _client(self) -> WeComClient:
        s = self.settings
        # The lease outlasts a slow gettoken (httpx's timeout is per phase: connect, read, …).
        tokens = TokenStore(self.sessions, f"{s.wecom_corp_id}:{s.wecom_agent_id}", self.clock,
                            lease=timedelta(seconds=max(30.0, 4 * s.wecom_api_timeout_seconds)))
        return WeComClient(s.wecom_api_base_url, s.wecom_corp_id, s.wecom_secret.get_secret_value(),
                           s.wecom_agent_id or 0, tokens, timeout=s.wecom_api_timeout_seconds)

    def _transports(self) -> dict[str, Transport]:
        s, local = self.settings, LocalTransport()
        app: Transport = local
        if self.client:
            app = AppTransport(self.client, SendWindowLimit(self.sessions, MEMBER_LIMITS, self.clock))
        group: Transport = local
        if s.group_channel == "appchat" and self.client:
            group = AppChatTransport(self.client, s.group_chat_id)
        elif s.group_channel == "webhook":
            # The robot's webhook needs no app credentials: only its key.
            robot = self.client or WeComClient(s.wecom_api_base_url, "", "", 0,
                                               TokenStore(self.sessions, "-", self.clock),
                                               timeout=s.wecom_api_timeout_seconds)
            window = SendWindowLimit(self.sessions, ROBOT_LIMITS, self.clock)
            group = WebhookTransport(robot, s.group_webhook_key.get_secret_value(), window)
        files = FileDraftJob(self.sessions, s, self.clock, self.client.media if self.client else None,
                             self._aibot_download())
        mail = MailTransport(self.sessions, s, self.clock, write=print if s.mail_printed else None)
        exports = ExportJob(self.sessions, s.zone, self.clock, self.client.upload_file if self.client else None,
                            app, Path(s.exports_dir))
        return {outbox.APP: app, outbox.GROUP: group, FILE_JOB: files, submitting.MAIL: mail, EXPORT_JOB: exports,
                outbox.AIBOT_REPLY: AiBotReplyTransport(self.sessions, self.http, app, group, self.clock)}

    def _aibot_download(self) -> Callable[[str, int], Media] | None:
        """AI bot files: fetched from their URL, decrypted with the bot's key."""
        if not self.settings.aibot_configured:
            return None
        key = aes_key(self.settings.aibot_aes_key.get_secret_value())
        return lambda url, limit: download_encrypted(self.http, url, key, limit)

    def dispatcher(self) -> Dispatcher:
        return Dispatcher(self.sessions, self.transports, self.clock,
                          on_dead=partial(dead_letters.tell_admins, zone=self.settings.zone))

    def announce_mode(self) -> None:
        """Say once, at start, how outgoing messages leave."""
        if self.settings.local_mode:
            log.warning("本地模式：未配置企业微信凭据（NEWSBOT_WECOM_CORP_ID/SECRET/AGENT_ID），"
                        "发出的消息只打印并保存在发件箱，不会发送。")
        group = self.transports.get(outbox.GROUP)
        if isinstance(group, LocalTransport) and not self.settings.local_mode:
            log.warning("工作群消息只打印并保存：未设置 NEWSBOT_GROUP_CHANNEL（appchat 或 webhook）。")
        if self.settings.aibot_configured and not self.settings.aibot_name:
            log.warning("未设置 NEWSBOT_AIBOT_NAME（机器人在群里的名字）：@ 写在命令后面或名字带空格时，"
                        "「批准 @审稿机器人」这样的消息会看不懂。")

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        self.http.close()
        self.db.dispose()
