"""The audit log (quality.md 17): append-only, and never a secret or a token in it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, event, select, update
from sqlalchemy.exc import DBAPIError

from bot.app import create_app
from bot.domain import audit
from bot.runtime import Runtime
from models import AccessToken, AuditEvent
from tests.conftest import FrozenClock
from tests.fake_wecom import CORP_ID, SECRET, FakeWeCom
from tests.test_delivery import drain
from tests.test_file_drafts import DOCX_TYPE, docx_bytes, send_file
from tests.wecom_sim import AES_KEY, TOKEN, WeComSimulator, say

CHANGES_AUDIT = re.compile(r"^\s*(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE)\s+\"?audit_event\b", re.IGNORECASE)


def audit_rows(runtime: Runtime) -> list[tuple[Any, ...]]:
    with runtime.sessions.begin() as session:
        return [(e.id, e.at, e.actor, e.action, e.draft_id, e.from_state, e.to_state, e.version, e.comment)
                for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_q17_the_audit_log_is_append_only_and_holds_no_secrets(live: Runtime, fake_wecom: FakeWeCom,
                                                               clock: FrozenClock) -> None:
    changes: list[str] = []

    def watch(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if CHANGES_AUDIT.match(statement):
            changes.append(statement)

    event.listen(live.db, "before_cursor_execute", watch)
    wecom = WeComSimulator(now=clock.timestamp, corp_id=CORP_ID)
    with TestClient(create_app(live, dispatcher=False, wall_clock=clock.timestamp)) as client:
        assert "已收到投稿 #1" in say(client, wecom, "zhangsan", "投稿 审计\n正文")
        assert "已送审" in say(client, wecom, "lisi", "送审 #1")
        assert "需要审核角色" in say(client, wecom, "zhangsan", "批准 #1")  # a refusal
        assert "已批准稿件 #1" in say(client, wecom, "wangwu", "批准 #1 同意")
        assert "还未登记" in say(client, wecom, "stranger", "帮助")
        drain(live)  # fetches a token and sends
        first = audit_rows(live)
        fake_wecom.media["M1"] = (DOCX_TYPE, "稿.docx", docx_bytes("文件里的正文"))
        assert send_file(live, clock, "xiaoli", "M1").startswith("已收到文件")
        fake_wecom.expire_tokens()
        drain(live)  # downloads the file and makes a draft with a refreshed token
        clock.advance(minutes=5)
        say(client, wecom, "zhangsan", "投稿 第三篇\n正文")
        assert "已撤回" in say(client, wecom, "zhangsan", "撤回 #3")
        assert "已撤回" in say(client, wecom, "admin", "撤回 #2")
        drain(live)
    event.remove(live.db, "before_cursor_execute", watch)

    after = audit_rows(live)
    assert after[:len(first)] == first and len(after) > len(first)  # earlier events untouched, new ones added
    assert [row[0] for row in after] == sorted({row[0] for row in after})
    assert {"submit", "send", "refused:批准", "approve", "unknown_member", "withdraw"} <= {row[3] for row in after}
    assert changes == []

    with live.sessions.begin() as session:
        tokens = {c.params["access_token"] for c in fake_wecom.calls if "access_token" in c.params}
        tokens |= {t for t in session.scalars(select(AccessToken.token)) if t}
    assert len(tokens) >= 2  # the test did use (and refresh) real tokens
    secrets = {SECRET, TOKEN, AES_KEY, *tokens}
    leaked = [(row, secret) for row in after for value in row if isinstance(value, str)
              for secret in secrets if secret in value]
    assert leaked == []


@pytest.mark.parametrize("change", [
    update(AuditEvent).values(comment="改写的意见"),
    update(AuditEvent).where(AuditEvent.action == "submit").values(actor="lisi"),
    delete(AuditEvent),
    delete(AuditEvent).where(AuditEvent.action == "submit"),
])
def test_q17_the_database_refuses_to_rewrite_the_audit_log(live: Runtime, clock: FrozenClock, change: Any) -> None:
    with live.sessions.begin() as session:
        audit.record(session, clock(), "zhangsan", "submit", comment="原意见")
    before = audit_rows(live)
    with pytest.raises(DBAPIError, match="audit_event is append-only"), live.sessions.begin() as session:
        session.execute(change)
    assert audit_rows(live) == before
