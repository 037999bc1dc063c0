"""Independent reads of one page at the same time, each on its own pooled connection.

A page that asks a dozen unrelated questions waits for their sum when they run one after another
on one connection; the database has more than one core. The drivers release the GIL while a
statement runs (psycopg while waiting, sqlite3 while stepping), so threads are enough.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.engine import Connection, Engine

MAX_WORKERS = 3


def concurrently(engine: Engine, parts: Sequence[Callable[[Connection], Any]], *, workers: int = MAX_WORKERS) -> list:
    """[part(connection) for part in parts], run in up to `workers` threads, in the order given;
    the first error is raised (after the others finished, so no connection is left checked out)."""
    def run(part):
        with engine.connect() as conn:
            return part(conn)

    with ThreadPoolExecutor(max_workers=min(workers, len(parts)) or 1,
                            thread_name_prefix="page-read") as pool:
        futures = [pool.submit(run, part) for part in parts]
        return [f.result() for f in futures]
