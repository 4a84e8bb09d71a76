"""The FastAPI application: the WeCom callbacks, a health check, metrics, and the outbox dispatcher."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from bot import migrate
from bot.config import get_settings
from bot.observability import announce_process, configure_logging, metrics_text
from bot.outbox import DispatcherThread
from bot.runtime import Runtime
from bot.scheduler import Calendar, SchedulerThread
from bot.wecom import callback
from bot.wecom.crypto import CallbackCrypto

POSTGRESQL_CALLBACK_THREADS = 8


def from_environment() -> FastAPI:
    """The app each `serve --workers N` process builds for itself, configured by the environment."""
    configure_logging()  # a spawned worker starts with uvicorn's loggers only
    return create_app(Runtime.build(get_settings()))


def create_app(runtime: Runtime, *, dispatcher: bool | None = None, scheduler: bool | None = None,
               wall_clock: Callable[[], float] = time.time) -> FastAPI:
    """The web app; the dispatcher and the calendar run beside it unless switched off (here or in settings)."""
    settings = runtime.settings
    dispatcher = dispatcher if dispatcher is not None else settings.dispatcher == "on"
    scheduler = scheduler if scheduler is not None else settings.scheduler == "on"

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        elsewhere = [f"`newsbot {process}` {does}" for process, does, here in (
            ("dispatcher", "sends the outbox", dispatcher), ("scheduler", "runs the calendar", scheduler)) if not here]
        announce_process("serve", settings.database_url, f"dispatcher={'on' if dispatcher else 'off'}",
                         f"calendar={'on' if scheduler else 'off'}",
                         *([f"({', '.join(elsewhere)}: run it beside this)"] if elsewhere else []))
        runtime.announce_mode()
        worker = DispatcherThread(runtime.dispatcher(), settings.outbox_poll_seconds) if dispatcher else None
        calendar = SchedulerThread(Calendar(runtime.sessions, settings, runtime.clock), settings) if scheduler else None
        for background in (worker, calendar):
            if background:
                background.start()
        try:
            yield
        finally:
            for background in (worker, calendar):
                if background:
                    background.stop()

    app = FastAPI(title="newsbot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app_crypto = aibot_crypto = None
    if settings.callback_configured:
        app_crypto = CallbackCrypto(settings.wecom_token.get_secret_value(),
                                    settings.wecom_aes_key.get_secret_value(), settings.wecom_corp_id)
    if settings.aibot_configured:  # the AI bot's receive id is empty (wecom.md)
        aibot_crypto = CallbackCrypto(settings.aibot_token.get_secret_value(),
                                      settings.aibot_aes_key.get_secret_value(), "")
    limits = (runtime.commands, settings.callback_max_bytes, settings.callback_max_skew_seconds, wall_clock)
    app.state.runtime = runtime
    # On SQLite a process's transactions take turns anyway (bot.db.TakingTurns), so a callback runs on the
    # event loop (None): handing it to a worker thread only added hand-offs of the GIL, which at 200
    # callbacks/s cost more CPU and several times the latency. On PostgreSQL transactions run side by side,
    # and a callback waits for the database in one of a few worker threads: enough to overlap the round
    # trips, few enough not to fight over the GIL as Starlette's 40 did.
    app.state.callback_threads = (None if runtime.db.dialect.name == "sqlite"
                                  else anyio.CapacityLimiter(POSTGRESQL_CALLBACK_THREADS))
    app.state.app_callback = callback.AppCallback(app_crypto, *limits, name="app callback",
                                                  corp_id=settings.wecom_corp_id)
    app.state.aibot_callback = callback.AiBotCallback(aibot_crypto, *limits, name="AI bot callback",
                                                      bot_name=settings.aibot_name,
                                                      url_hosts=settings.aibot_url_hosts)
    app.include_router(callback.router)

    schema = migrate.code_heads()

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        """Database reachable, and at this release's schema (not restored from an older backup, not upgraded
        by a newer release, not awaiting `newsbot db upgrade` under a worker restarted on new code)."""
        try:
            with runtime.db.connect() as connection:
                found = frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))
        except Exception as exc:
            return JSONResponse({"status": "error", "database": type(exc).__name__}, status_code=503)
        if found != schema:
            return JSONResponse({"status": "error", "schema": ",".join(sorted(found)) or "none",
                                 "expected": ",".join(sorted(schema))}, status_code=503)
        return JSONResponse({"status": "ok", "local_mode": settings.local_mode})

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(metrics_text(runtime.sessions), media_type=CONTENT_TYPE_LATEST)

    return app
