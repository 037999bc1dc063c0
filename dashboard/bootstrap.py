"""Schema creation/upgrade plus the reference rows every database needs."""
from sqlalchemy.engine import Engine

from dashboard import reference, rules_store
from dashboard.db import upgrade


def init_db(engine: Engine) -> str:
    revision = upgrade(engine)
    with engine.begin() as conn:
        reference.seed(conn)
        rules_store.ensure_default(conn)
    return revision
