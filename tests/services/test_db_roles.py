"""The documented PostgreSQL roles (deploy/postgres-roles.sql) are enough for their jobs, and the
dashboards' role cannot change operational data."""
import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.services import audit, second_factor, sessions
from dashboard.services.bootstrap import init_db
from queries import overview
from queries.schema import manual_items, ticket_events, tickets, users
from tests.conftest import clear
from tests.support.paths import ROOT

SQL = (ROOT / "deploy" / "postgres-roles.sql").read_text(encoding="utf-8")


@pytest.fixture
def roles(pg_url):
    owner = make_engine(pg_url)
    init_db(owner)
    clear(owner)      # no rows (nor frozen months) left by the worker's previous test
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
        # sign-in sessions and the second factor are the dashboards' own bookkeeping
        token = sessions.create(conn, "role_probe", method="password")
        sessions.mark_second_factor(conn, token)
        assert sessions.lookup(conn, token)["username"] == "role_probe"
        second_factor.start_enrolment(conn, "role_probe")
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        with dash.begin() as conn:
            conn.execute(tickets.insert().values(ticket_no="X1", received_at=now))
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        with dash.begin() as conn:
            conn.execute(users.update().where(users.c.username == "role_probe").values(role="admin"))


def test_writer_role_writes_operational_data(roles):
    """The writer's jobs: imports (tickets, and events numbered by their sequence), manual items, user
    administration (a role change the dashboards' role is refused) and deletions; no DDL."""
    writer = roles["hotline_writer"]
    at = datetime(2026, 1, 15, 9)
    with writer.begin() as conn:
        conn.execute(tickets.insert().values(ticket_no="W1", received_at=at))
        conn.execute(ticket_events.insert().values(ticket_no="W1", at=at, action="SIGN", staff_no="P1"))
        conn.execute(manual_items.insert().values(month="2026-01", item_type="扣分", points="1", reason="W1",
                                                  entered_by="writer"))
        conn.execute(users.update().where(users.c.username == "role_probe").values(role="analyst"))
    with writer.connect() as conn:
        assert conn.execute(sa.select(tickets.c.received_at).where(tickets.c.ticket_no == "W1")).scalar_one() == at
        assert conn.execute(sa.select(ticket_events.c.action).where(ticket_events.c.ticket_no == "W1")).scalars().all() \
            == ["SIGN"]
        assert conn.execute(sa.select(manual_items.c.points).where(manual_items.c.reason == "W1")).scalar_one() == "1"
        assert conn.execute(sa.select(users.c.role).where(users.c.username == "role_probe")).scalar_one() == "analyst"
    with writer.begin() as conn:
        conn.execute(manual_items.delete().where(manual_items.c.reason == "W1"))
        conn.execute(ticket_events.delete().where(ticket_events.c.ticket_no == "W1"))
        conn.execute(tickets.delete().where(tickets.c.ticket_no == "W1"))
    with writer.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(ticket_events)).scalar_one() == 0
    with pytest.raises(sa.exc.ProgrammingError, match="must be owner"):
        with writer.begin() as conn:
            conn.execute(sa.text("ALTER TABLE tickets ADD COLUMN writer_probe integer"))
