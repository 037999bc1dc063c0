"""Shared fixtures: an initialised, emptied database on each engine (a SQLite file, and a PostgreSQL
database made and dropped by this run), and app_db, the demo database the page tests sign in to."""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.services.bootstrap import init_db
from dashboard.services.demo import generate
from queries.schema import metadata
from tests.support.app_database import APP_NOW, DEMO, add_role_users

PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    try:
        eng = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(sa.text("select 1"))
        eng.dispose()
        return None
    except Exception as e:  # noqa: BLE001 - any failure means "not reachable"
        return str(e).splitlines()[0]


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL database created for this test run (per xdist worker) and dropped after it."""
    problem = _pg_reachable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable, PostgreSQL variant skipped: {problem}")
    name = f"hotline_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'hotline.db'}"


_initialised: dict[str, sa.Engine] = {}


def _engine_for(url: str) -> sa.Engine:
    if url not in _initialised:
        eng = make_engine(url)
        init_db(eng)
        _initialised[url] = eng
    return _initialised[url]


def clear(engine: sa.Engine) -> None:
    """Empty every table, then put back the reference rows (units, categories, default rules)."""
    with engine.begin() as conn:
        # unfreeze first: on PostgreSQL a frozen month's rows refuse deletion (migration 0002)
        conn.execute(metadata.tables["month_signoffs"].delete())
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    init_db(engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory):
    """An initialised, empty database on each engine."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("pg_url")
    eng = _engine_for(url)
    clear(eng)
    return eng


@pytest.fixture
def sqlite_engine(sqlite_url):
    eng = _engine_for(sqlite_url)
    clear(eng)
    return eng


@pytest.fixture
def pg_engine(pg_url):
    """An initialised, empty PostgreSQL database, for what exists on PostgreSQL only."""
    eng = _engine_for(pg_url)
    clear(eng)
    return eng


@pytest.fixture(scope="session")
def app_db(tmp_path_factory):
    """A SQLite database for page tests: a few days of demo data and one user per role (u_<role>).

    Sets HOTLINE_DB_URL / HOTLINE_NOW for the AppTest runs of this session.
    """
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'app.db'}"
    # the demo's fake callers are stored hashed with this key (docs/repeats.md)
    os.environ.setdefault("HOTLINE_PII_KEY", "test-pii-key-" + "p" * 40)
    eng = make_engine(url)
    init_db(eng)
    generate(eng, **DEMO)
    with eng.begin() as conn:
        add_role_users(conn)
    os.environ["HOTLINE_DB_URL"] = url
    os.environ["HOTLINE_NOW"] = f"{APP_NOW:%Y-%m-%d %H:%M:%S}"
    return url
