"""Schema creation/upgrade plus the reference rows every database needs."""
from sqlalchemy.engine import Engine

from dashboard.infra.db import upgrade
from dashboard.services import calendar_days, facts, reference, rollups, rules_store
from dashboard.services.assessment import settled_counts


def init_db(engine: Engine) -> str:
    revision = upgrade(engine)
    with engine.begin() as conn:
        rollups.ensure(conn)   # databases created before the rollup tables existed
        facts.ensure_event_clocks(conn)   # databases upgraded to revision 0003 with events
        reference.seed(conn)
        calendar_days.seed(conn)   # the years chinesecalendar knows; imported years are kept
        rules_store.ensure_default(conn)
        settled_counts.refill(conn)   # settled days of a database upgraded to revision 0004
    return revision
