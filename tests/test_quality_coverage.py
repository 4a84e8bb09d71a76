"""Every property of the quality standard (docs/quality.md in the project notes) has a test that names it:
`test_qNN_…`, NN the property's number. This test keeps the convention from rotting."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PROPERTIES = {
    1: "Inbound: verify signature (constant time) and receiveid before any side effect",
    2: "Inbound: freshness, |now - timestamp| <= 300 s (configurable)",
    3: "Inbound: idempotent intake, the same callback 3 times in a row and at once has one effect",
    4: "Inbound: fast answer, well under 1 s with the WeCom API hanging",
    5: "Inbound: body cap before parsing (64 KiB, chunked too) -> 413",
    6: "Inbound: hostile XML/JSON rejected or handled in < 100 ms, never echoed raw; property-tested parsers",
    7: "State: transitions are compare-and-set; two approvers at once -> one approval",
    8: "State: SQLite WAL, busy_timeout, foreign_keys, BEGIN IMMEDIATE; 8 processes never 'database is locked'",
    9: "State: nothing is lost on a crash; every user action's effects are one transaction",
    10: "Outbound: every notification is an outbox row with a dedupe key; WeCom down or kill -9 loses none",
    11: "Outbound: retry policy by errcode (backoff, token refresh, >= 60 s wait, dead letters)",
    12: "Outbound: several dispatchers never send the same row twice",
    13: "Outbound: one token request for 50 concurrent sends; the token is shared through the database",
    14: "Outbound: group robot never more than 20 messages in any rolling 60 s",
    15: "Scheduler: Asia/Shanghai times; each (job, period) fires once across processes and after downtime",
    16: "Chat security: identity from the verified message; only approvers approve, never their own draft",
    17: "Chat security: the audit log is append-only and holds no secrets or tokens",
    18: "Chat security: per-member rate limit stored in the database, shared across workers",
    19: "Performance: fan-out costs <= 1 message/send call per 1,000 recipients",
}

NAMED = re.compile(r"test_q(\d{2})_[a-z0-9_]+")


def property_tests() -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (match := NAMED.fullmatch(node.name)):
                found.setdefault(int(match.group(1)), []).append(f"{path.name}::{node.name}")
    return found


def test_every_quality_property_has_a_test_that_names_it() -> None:
    found = property_tests()
    missing = [f"{number}. {title}" for number, title in PROPERTIES.items() if number not in found]
    assert not missing, "no test_qNN_… test for:\n" + "\n".join(missing)
    unknown = sorted(set(found) - set(PROPERTIES))
    assert not unknown, f"test_qNN_… tests for properties that do not exist: {unknown}"
