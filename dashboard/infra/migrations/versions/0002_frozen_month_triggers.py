"""Frozen months are read-only in the database too (PostgreSQL): a trigger refuses any
INSERT/UPDATE/DELETE of tickets, ticket_events, shifts, reports and manual_items rows whose month
is frozen in month_signoffs. SQLite relies on the application checks (dashboard.services.assessment.signoff
and the importer's frozen-month refusal).

The month of a row: tickets.received_at, ticket_events.at, shifts.day, reports.due_at,
manual_items.month (the same months the sign-off content hash covers).

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = {
    "tickets": "to_char({r}.received_at, 'YYYY-MM')",
    "ticket_events": "to_char({r}.at, 'YYYY-MM')",
    "shifts": "to_char({r}.day, 'YYYY-MM')",
    "reports": "to_char({r}.due_at, 'YYYY-MM')",
    "manual_items": "{r}.month",
}

FUNCTION = """
CREATE OR REPLACE FUNCTION hotline_refuse_frozen_month() RETURNS trigger AS $$
DECLARE
    m_old text;
    m_new text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;  -- a no-op rewrite (re-import of the same row) changes nothing
    END IF;
    {branches}
    IF m_old IS NOT NULL AND EXISTS (SELECT 1 FROM month_signoffs WHERE month = m_old AND frozen) THEN
        RAISE EXCEPTION '% 已签认冻结，不能修改该月数据（表 %）', m_old, TG_TABLE_NAME
            USING ERRCODE = 'check_violation';
    END IF;
    IF m_new IS NOT NULL AND EXISTS (SELECT 1 FROM month_signoffs WHERE month = m_new AND frozen) THEN
        RAISE EXCEPTION '% 已签认冻结，不能修改该月数据（表 %）', m_new, TG_TABLE_NAME
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def _branches() -> str:
    parts = []
    for i, (table, expr) in enumerate(TABLES.items()):
        kw = "IF" if i == 0 else "ELSIF"
        parts.append(
            f"{kw} TG_TABLE_NAME = '{table}' THEN\n"
            f"        IF TG_OP <> 'INSERT' THEN m_old := {expr.format(r='OLD')}; END IF;\n"
            f"        IF TG_OP <> 'DELETE' THEN m_new := {expr.format(r='NEW')}; END IF;")
    return "\n    ".join(parts) + "\n    END IF;"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION.replace("{branches}", _branches()))
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_frozen_month ON {table}")
        op.execute(f"CREATE TRIGGER trg_{table}_frozen_month BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION hotline_refuse_frozen_month()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_frozen_month ON {table}")
    op.execute("DROP FUNCTION IF EXISTS hotline_refuse_frozen_month()")
