"""The benchmark's raw-SQL column computes the staff page's answers (not a cheaper question)."""
from datetime import date, datetime

from benchmarks import pages as bench
from dashboard.services.demo import generate
from queries import schema
from queries import staff as sq

NOW = datetime(2026, 1, 15, 10, 30)


def test_raw_staff_page_equals_the_product(engine):
    generate(engine, days=4, tickets_per_day=80, seed=5, end=date(2026, 1, 15), now=NOW)
    with engine.connect() as conn:
        raw = bench.raw_staff_page(conn, NOW)
        assert sq.ticket_facts is schema.ticket_facts      # the patch is undone
        for role in sq.ROLES:
            product = sq.staff_performance(conn, role=role, start=datetime(2026, 1, 14), end=datetime(2026, 1, 15),
                                           now=NOW)
            assert raw[role].equals(product), role
        # the figures the facts serve are there to compare: on-time signs and dispatches
        assert raw[sq.DISPATCHER]["signed_on_time"].sum() > 0 and raw[sq.DISPATCHER]["dispatch_judged"].sum() > 0
