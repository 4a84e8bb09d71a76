"""Fixtures: a real database (SQLite file, or PostgreSQL via NEWSBOT_TEST_DATABASE_URL), a frozen
clock, the assembled runtime, and a chat driver that reads like the conversation."""

from __future__ import annotations

import asyncio
import email
import email.policy
import io
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Integer, create_engine, func, select, text
from sqlalchemy.orm import Session

import models
from bot.app import create_app
from bot.config import Settings, get_settings
from bot.engine import card_answer_key
from bot.messages import CARD_CLICK, Incoming
from bot.migrate import upgrade
from bot.outbox import LocalTransport
from bot.runtime import Runtime
from tests.fake_wecom import AGENT_ID as FAKE_AGENT_ID
from tests.fake_wecom import CORP_ID as FAKE_CORP_ID
from tests.fake_wecom import SECRET as FAKE_SECRET
from tests.fake_wecom import FakeWeCom
from tests.loopback import free_port
from tests.wecom_sim import AES_KEY, CORP_ID, TOKEN, WeComSimulator

PG_URL = os.environ.get("NEWSBOT_TEST_DATABASE_URL", "")
# Tests are hermetic: the operator's NEWSBOT_* settings never leak into them.
for _name in [n for n in os.environ if n.startswith("NEWSBOT_")]:
    del os.environ[_name]
OFFICE_CSV = """userid,name,department,roles
zhangsan,张三,办公室,通讯员
xiaoli,小李,规划股,correspondent
lisi,李四,执法监察大队,editor|correspondent
zhaoliu,赵六,地籍股,editor
wangwu,王五,局领导,approver
zhouqi,周七,局领导,approver
admin,钱主任,办公室,admin
"""


class FrozenClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def timestamp(self) -> float:
        return self.current.timestamp()

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Each test reads the environment it sets: the process's cached settings (the CLI's, a migration's) are
    forgotten, or a test run in-process after another would use the other's database."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: a SQLite file copied per test, or the PostgreSQL test database."""
    if PG_URL:
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "newsbot.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def seeded_rows(template_db: str) -> dict[str, list[dict[str, object]]]:
    """What the migrations seed (outlets, reward rules): restored after each PostgreSQL test."""
    if not PG_URL:
        return {}
    engine = create_engine(PG_URL)
    with engine.connect() as connection:
        rows = {table.name: [dict(row._mapping) for row in connection.execute(table.select())]
                for table in models.Base.metadata.sorted_tables}
    engine.dispose()
    return {name: found for name, found in rows.items() if found}


@pytest.fixture
def database_url(template_db: str, seeded_rows: dict[str, list[dict[str, object]]],
                 tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        shutil.copy(template_db, tmp_path / "newsbot.db")
        yield f"sqlite:///{tmp_path / 'newsbot.db'}"
        return
    yield PG_URL
    engine = create_engine(PG_URL)
    tables = {table.name: table for table in models.Base.metadata.sorted_tables}
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        for name, rows in seeded_rows.items():
            connection.execute(tables[name].insert(), rows)
            if "id" in tables[name].c and isinstance(tables[name].c.id.type, Integer):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                        f"(SELECT max(id) FROM {name}))"))
    engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 5, 12, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai, a Tuesday


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(_env_file=None, database_url=database_url, wecom_token=TOKEN, wecom_aes_key=AES_KEY,
                    exports_dir=str(tmp_path / "exports"),
                    wecom_corp_id=CORP_ID, admins="", scheduler="off",  # tests tick the calendar themselves
                    rate_limit_per_minute=1000)  # the frozen clock packs whole conversations into one minute


@dataclass
class Sent:
    """A LocalTransport that records instead of printing."""

    lines: list[str] = field(default_factory=list)

    def transport(self) -> LocalTransport:
        return LocalTransport(self.lines.append)


@pytest.fixture
def sent() -> Sent:
    return Sent()


@pytest.fixture
def runtime(settings: Settings, clock: FrozenClock, sent: Sent) -> Iterator[Runtime]:
    transport = sent.transport()
    rt = Runtime.build(settings, clock=clock, transports={"app": transport, "group": transport})
    yield rt
    rt.close()


@pytest.fixture
def office(runtime: Runtime) -> Runtime:
    """The runtime with the bureau's members loaded."""
    import io

    from bot.domain import members

    with runtime.sessions.begin() as session:
        members.import_csv(session, io.StringIO(OFFICE_CSV), runtime.clock())
    return runtime


class Speaker:
    def __init__(self, runtime: Runtime, userid: str, counter: list[int]) -> None:
        self._runtime, self._userid, self._counter = runtime, userid, counter

    def says(self, message: str) -> str:
        self._counter[0] += 1
        reply = self._runtime.commands.handle(
            Incoming("local", self._userid, f"test:{self._counter[0]}", text=message))
        return reply.text if reply else ""


def card_answer(runtime: Runtime, key: str, userid: str) -> str:
    """What the member is sent for their click with this key (the answer to a card goes as a message)."""
    with runtime.sessions.begin() as session:
        sent = session.scalar(select(models.OutboxMessage).where(
            models.OutboxMessage.dedupe_key == f"{card_answer_key(key)}:{userid}"))
    return sent.payload["text"]["content"] if sent else ""


class ChatDriver:
    """`chat.as_member("zhangsan").says("投稿 …")` — the engine, as a member would use it."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._counter = [0]

    def as_member(self, userid: str) -> Speaker:
        return Speaker(self.runtime, userid, self._counter)

    def click(self, userid: str, event_key: str) -> str:
        """A click on a template card button: what the member is sent for it (a message, not the reply)."""
        self._counter[0] += 1
        key = f"click:{self._counter[0]}"
        reply = self.runtime.commands.handle(Incoming("app", userid, key, kind="event", event=CARD_CLICK,
                                                      event_key=event_key))
        assert reply.text == ""
        return card_answer(self.runtime, key, userid)

    def count(self, model: type[models.Base]) -> int:
        with self.runtime.sessions.begin() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0

    def outbox(self) -> list[models.OutboxMessage]:
        with self.runtime.sessions.begin() as session:
            return list(session.scalars(select(models.OutboxMessage).order_by(models.OutboxMessage.id)))


@pytest.fixture
def chat(office: Runtime) -> ChatDriver:
    return ChatDriver(office)


def row_counts(runtime: Runtime) -> dict[str, int]:
    with runtime.sessions.begin() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in models.Base.metadata.sorted_tables}


@contextmanager
def sqlite_steps(session: Session) -> Iterator[list[int]]:
    """Counts, in hundreds, the steps SQLite's virtual machine takes within the block: a query's cost that does
    not move with the machine's load, for tests that a query stays flat as a table grows."""
    counted = [0]
    sqlite = session.connection().connection.dbapi_connection
    sqlite.set_progress_handler(lambda: counted.__setitem__(0, counted[0] + 1), 100)
    try:
        yield counted
    finally:
        sqlite.set_progress_handler(None, 0)


@pytest.fixture
def wecom(clock: FrozenClock) -> WeComSimulator:
    return WeComSimulator(now=clock.timestamp)


@pytest.fixture
def client(office: Runtime, clock: FrozenClock) -> Iterator[TestClient]:
    with TestClient(create_app(office, dispatcher=False, wall_clock=clock.timestamp)) as test_client:
        yield test_client


@pytest.fixture
def live_server(office: Runtime, clock: FrozenClock) -> Iterator[str]:
    """The app on a real uvicorn server on loopback, for requests that truly overlap."""
    port = free_port()
    app = create_app(office, dispatcher=False, wall_clock=clock.timestamp)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def fake_wecom() -> Iterator[FakeWeCom]:
    """The fake WeCom API on a loopback port."""
    fake = FakeWeCom().up()
    yield fake
    fake.down()


@pytest.fixture
def wecom_settings(settings: Settings, fake_wecom: FakeWeCom) -> Settings:
    """Settings that really send: to the fake WeCom, with short timeouts (a "hang" fault outlasts them; 0.5 s was
    outlasted once by an ordinary answer on a loaded machine, the fake server being a thread of the test)."""
    return settings.model_copy(update={
        "wecom_corp_id": FAKE_CORP_ID, "wecom_secret": SecretStr(FAKE_SECRET), "wecom_agent_id": FAKE_AGENT_ID,
        "wecom_api_base_url": fake_wecom.base_url, "wecom_api_timeout_seconds": 1.0,
        "admins": "", "wecom_token": settings.wecom_token, "wecom_aes_key": settings.wecom_aes_key})


@pytest.fixture
def live(wecom_settings: Settings, clock: FrozenClock) -> Iterator[Runtime]:
    """The runtime with real transports to the fake WeCom, and the office's members."""
    import io

    from bot.domain import members

    rt = Runtime.build(wecom_settings, clock=clock)
    with rt.sessions.begin() as session:
        members.import_csv(session, io.StringIO(OFFICE_CSV), clock())
    yield rt
    rt.close()


@dataclass
class Mailbox:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    messages: list[Any] = field(default_factory=list)
    port: int = 0
    controller: Any = None

    ack_delay: float = 0.0  # seconds between taking a message and saying so (a slow server)
    meanwhile: Callable[[], None] | None = None  # runs once, while the sender waits for the 250

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        if self.meanwhile is not None:
            self.meanwhile, meanwhile = None, self.meanwhile
            meanwhile()
        await asyncio.sleep(self.ack_delay)
        return "250 OK"

    def up(self) -> Mailbox:
        from aiosmtpd.controller import Controller

        self.port = self.port or free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().up()
    yield box
    box.down()


MAILBOXES = {"韶关日报": "tougao@sgrb.example", "南方网": "news@southcn.example",
             "乐昌市政府网": "xxgk@lechang.example", "局微信公众号": "wx@lcgt.example"}


@pytest.fixture
def newsroom(settings: Settings, clock: FrozenClock, mailbox: Mailbox, sent: Sent) -> Iterator[Runtime]:
    """The office with SMTP pointed at the loopback mailbox and the outlets' mailboxes filled in."""
    from bot.domain import members, outlets

    config = settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": mailbox.port, "smtp_tls": "none",
        "smtp_sender": "xcb@lcgt.example", "signature": "乐昌市自然资源局办公室\\n电话：0751-0000000"})
    runtime = Runtime.build(config, clock=clock)
    runtime.transports["app"] = runtime.transports["group"] = sent.transport()
    with runtime.sessions.begin() as session:
        members.import_csv(session, io.StringIO(OFFICE_CSV), clock())
        for name, address in MAILBOXES.items():
            outlets.edit(session, outlets.find(session, name), {"mailbox": address}, clock(), None)
    yield runtime
    runtime.close()
