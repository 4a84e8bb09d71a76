"""the audit log refuses changes

The audit log (quality.md 17) was append-only by convention: no code updates or deletes its rows. Now the
database itself refuses an UPDATE or DELETE of `audit_event`, so a mistaken script, a hand-written SQL
statement or a future bug cannot rewrite the history behind the 审批表. TRUNCATE is left to the database's
owner (an emptied test database, a deliberate purge).

On SQLite, a migration that rebuilds `audit_event` with `batch_alter_table` drops these triggers with the old
table: it must create them again (`test_q17_the_database_refuses_to_rewrite_the_audit_log` fails otherwise).

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-27 21:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_event is append-only"


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$")
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        return
    for change in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_event_no_{change.lower()} BEFORE {change} ON audit_event "
                   f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
        return
    for change in ("update", "delete"):
        op.execute(f"DROP TRIGGER audit_event_no_{change}")
