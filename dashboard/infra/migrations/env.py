"""Alembic environment: runs on the connection handed over by dashboard.infra.db.upgrade."""
from alembic import context

from dashboard.infra.db import make_engine
from queries.schema import metadata, postgresql_only

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic` command line: build an engine from the usual settings
    connection = make_engine().connect()


def _ours(obj, name, type_, reflected, compare_to):
    # tables kept by PostgreSQL triggers (revision 0008) are not in `metadata`: never drop them
    return not (type_ == "table" and name in postgresql_only.tables)


context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  compare_type=True, include_object=_ours)
with context.begin_transaction():
    context.run_migrations()
