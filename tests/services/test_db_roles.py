"""The documented PostgreSQL roles (deploy/postgres-roles.sql) are enough for their jobs, and the
dashboards' role cannot change operational data."""
import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.services import audit
from dashboard.services.bootstrap import init_db
from queries import overview
from queries.schema import tickets, users
from tests.support.paths import ROOT

SQL = (ROOT / "deploy" / "postgres-roles.sql").read_text(encoding="utf-8")


@pytest.fixture
def roles(pg_url):
    owner = make_engine(pg_url)
    init_db(owner)
    suffix = uuid.uuid4().hex[:8]
    names = {"hotline_dash": f"hotline_dash_{suffix}", "hotline_writer": f"hotline_writer_{suffix}"}
    script = SQL
    for old, new in names.items():
        script = script.replace(old, new)
    with owner.begin() as conn:
        code = "\n".join(ln for ln in script.splitlines() if not ln.strip().startswith("--"))
        for statement in (s.strip() for s in code.split(";")):
            if statement:
                conn.execute(sa.text(statement))
        conn.execute(users.delete().where(users.c.username == "role_probe"))
        conn.execute(users.insert().values(username="role_probe", display_name="p", role="leader",
                                           password_hash="x", created_at=datetime(2026, 1, 1),
                                           updated_at=datetime(2026, 1, 1)))
    base = sa.engine.make_url(pg_url)
    yield {k: make_engine(base.set(username=v, password=None).render_as_string(hide_password=False))
           for k, v in names.items()}
    with owner.begin() as conn:
        for name in names.values():
            conn.execute(sa.text(f'DROP OWNED BY "{name}"'))
            conn.execute(sa.text(f'DROP ROLE "{name}"'))
    owner.dispose()


def test_dashboard_role_reads_and_records_logins_only(roles):
    dash = roles["hotline_dash"]
    now = datetime(2026, 1, 15, 10, 0)
    with dash.begin() as conn:
        overview.backlog_by_stage(conn, now=now)
        audit.record(conn, username="role_probe", action="login")
        conn.execute(users.update().where(users.c.username == "role_probe").values(last_login_at=now))
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        with dash.begin() as conn:
            conn.execute(tickets.insert().values(ticket_no="X1", received_at=now))
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        with dash.begin() as conn:
            conn.execute(users.update().where(users.c.username == "role_probe").values(role="admin"))


def test_writer_role_writes_operational_data(roles):
    with roles["hotline_writer"].begin() as conn:
        conn.execute(tickets.insert().values(ticket_no="W1", received_at=datetime(2026, 1, 15, 9)))
        conn.execute(tickets.delete().where(tickets.c.ticket_no == "W1"))
