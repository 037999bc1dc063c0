"""Engine creation (SQLite pragmas, PostgreSQL driver, connection circuit breaker) and schema
migrations (Alembic)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from dashboard.infra import breaker, logs, settings
from queries.sql import register_sqlite_functions

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str | None = None, *, statement_timeout_ms: int | None = None, **kwargs) -> Engine:
    url = settings.db_url(url)
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        logs.watch_slow_queries(engine)
        return engine
    # A runaway query must not hold a dashboard worker: PostgreSQL cancels it after the timeout.
    timeout_ms = settings.statement_timeout_ms() if statement_timeout_ms is None else statement_timeout_ms
    # JIT off: the dashboards' queries are short aggregates where compiling costs 100–200 ms a
    # query and saves less (measured: a month's assessment 3.2 s → 2.4 s at 3 M tickets).
    # Custom plans always: the driver prepares a statement run five times, and after five more
    # runs PostgreSQL may switch it to one generic plan for every parameter value, chosen without
    # knowing the time range; for these range aggregates that plan was 5× slower (the stand-up's
    # improvement measures 100 ms → 500 ms from their sixth run on a pooled connection). Writers
    # allow generic plans again while they write rows by key (ingest.writing.generic_plans).
    connect_args = {"connect_timeout": 5, "options": "-c jit=off -c plan_cache_mode=force_custom_plan"}
    if timeout_ms:
        connect_args["options"] += f" -c statement_timeout={timeout_ms}"
    engine = sa.create_engine(url, pool_pre_ping=True, pool_recycle=1800, connect_args=connect_args, **kwargs)
    guard_connections(engine)
    logs.watch_slow_queries(engine)
    return engine


def guard_connections(engine: Engine) -> None:
    """Open the engine's connections through the process-wide breaker of its URL (dashboard.infra.breaker):
    after repeated failures, attempts fail at once instead of each waiting for the connect timeout.
    A refused attempt raises the driver's OperationalError, so SQLAlchemy reports it like any other
    unreachable database (sqlalchemy.exc.OperationalError)."""
    b = breaker.for_url(engine.url.render_as_string(hide_password=True))

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, _record, cargs, cparams):
        try:
            return b.call(lambda: dialect.connect(*cargs, **cparams))
        except breaker.BreakerOpen as e:
            raise dialect.loaded_dbapi.OperationalError(str(e)) from None


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
    register_sqlite_functions(dbapi_conn)


@lru_cache(maxsize=8)
def shared_engine(url: str | None = None) -> Engine:
    """One engine (and pool) per URL per process."""
    return make_engine(url)


def alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine) -> str:
    """Create or upgrade the schema to the newest revision; returns it."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() or ""


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
