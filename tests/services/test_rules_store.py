"""Rules versions: the defaults as the contract states them, and the version in effect per month."""
from dashboard.services import rules_store
from dashboard.services.rules_store import rules_for_month
from domain.rules import Rules


def test_default_rules_equal_design(engine):
    with engine.connect() as conn:
        rules = rules_for_month(conn, "2025-12")
    assert rules.body == Rules.default().body
    assert rules.sign_limit() == 1800 and rules.close_limit("疑难") == 15 * 86400
    assert rules.indicator("dispatch_accuracy") == {"target": "0.95", "floor": "0.85", "weight": 15}


def test_rules_for_months_equals_one_month_at_a_time(engine):
    with engine.begin() as conn:
        for month, sign in (("2026-03", 1200), ("2026-03", 900), ("2026-07", 600)):
            r = Rules.default()
            r.body["sla"]["sign"] = sign
            rules_store.add_version(conn, r, effective_from=month, note="test", username="t")
        months = ["2025-11", "2026-02", "2026-03", "2026-05", "2026-07", "2026-09"]
        got = rules_store.rules_for_months(conn, months)
        assert [got[m].sign_limit() for m in months] == [1800, 1800, 900, 900, 600, 600]
        for m in months:
            one = rules_store.rules_for_month(conn, m)
            assert (got[m].body, got[m].version_id) == (one.body, one.version_id)
