"""Alembic environment: runs on the connection handed over by dashboard.db.upgrade."""
from alembic import context

from queries.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic` command line: build an engine from the usual settings
    from dashboard.db import make_engine

    connection = make_engine().connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
