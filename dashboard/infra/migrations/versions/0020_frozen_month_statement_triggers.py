"""Frozen months checked once per statement instead of once per row (PostgreSQL).

Revision 0002's triggers ran a PL/pgSQL function and a look-up of month_signoffs for every row
written: about a fifth of the time PostgreSQL spent writing 200,000 new tickets and their events. These
statement triggers see the statement's rows as transition tables and look the months up once. What
they refuse is the same: any INSERT, UPDATE or DELETE of tickets, ticket_events, shifts, reports or
manual_items rows whose month (before or after the change) is frozen in month_signoffs, with the
same message and SQLSTATE (check_violation); an UPDATE that rewrites a row to what it was changes
nothing and is let through. The refusal now comes once the statement's rows are written, and
rolls them back with it; so a key's violation in the same statement is reported first, the message
names the earliest frozen month involved, and an upsert's rows that changed nothing (ON CONFLICT
DO NOTHING) are no longer refused, since nothing of the month was written.

A row rewritten to what it was: each transition table's rows less the other's, whole rows compared
(primary key included, so two rows cannot stand in for each other); EXCEPT ALL counts NULLs as
equal, as IS NOT DISTINCT FROM did.

Revision ID: 0020
Revises: 0019
"""
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# the month of a row (the months the sign-off content hash covers), r: the row's alias
MONTH_OF = {
    "tickets": "to_char(r.received_at, 'YYYY-MM')",
    "ticket_events": "to_char(r.at, 'YYYY-MM')",
    "shifts": "to_char(r.day, 'YYYY-MM')",
    "reports": "to_char(r.due_at, 'YYYY-MM')",
    "manual_items": "r.month",
}

EVENTS = {
    "insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows"),
    "update": ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows"),
}

# the rows a statement changed, per event (transition tables exist only in their own event)
CHANGED = {
    "insert": "SELECT * FROM new_rows",
    "update": "(SELECT * FROM new_rows EXCEPT ALL SELECT * FROM old_rows) UNION ALL "
              "(SELECT * FROM old_rows EXCEPT ALL SELECT * FROM new_rows)",
    "delete": "SELECT * FROM old_rows",
}

FUNCTION = """
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
DECLARE
    m text;
BEGIN
    SELECT min(s.month) INTO m
      FROM (SELECT DISTINCT {month} AS month FROM ({changed}) AS r) AS w
      JOIN month_signoffs AS s ON s.month = w.month AND s.frozen;
    IF m IS NOT NULL THEN
        RAISE EXCEPTION '% 已签认冻结，不能修改该月数据（表 %）', m, TG_TABLE_NAME
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _function(table: str, event: str) -> str:
    return f"hotline_frozen_{table}_{event}"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, month in MONTH_OF.items():
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_frozen_month ON {table}")
        for event, (verb, referencing) in EVENTS.items():
            name = _function(table, event)
            op.execute(FUNCTION.format(name=name, month=month, changed=CHANGED[event]))
            op.execute(f"CREATE TRIGGER trg_{table}_frozen_{event} AFTER {verb} ON {table} {referencing} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    op.execute("DROP FUNCTION IF EXISTS hotline_refuse_frozen_month()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    import importlib

    row_triggers = importlib.import_module("dashboard.infra.migrations.versions.0002_frozen_month_triggers")
    for table in MONTH_OF:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_frozen_{event} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {_function(table, event)}()")
    row_triggers.upgrade()
