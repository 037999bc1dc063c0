"""The breach forecast section on /backlog and /standup for every allowed role: its tiles, the
per-unit and per-shift tables, and the count of tickets due as the query counts them."""
import pytest

from dashboard.infra.db import make_engine
from dashboard.web.breach_section import HORIZON_HOURS
from domain.access import ROLES, can_open
from domain.vocabulary import SHIFTS_AS_LISTED
from queries.breach import breach_targets
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors

PAGES = [(key, f"pages/{key}.py", role) for key in ("backlog", "standup") for role in ROLES if can_open(role, key)]


def _due(app_db) -> int:
    eng = make_engine(app_db)
    with eng.connect() as conn:
        n = len(breach_targets(conn, now=APP_NOW))
    eng.dispose()
    return n


@pytest.mark.parametrize(("key", "page", "role"), PAGES)
def test_breach_section_renders(app_db, key, page, role):
    due = _due(app_db)
    assert due > 0                                     # the demo has tickets due in the next 24 h
    at = app_as(role, page)
    assert not errors(at), errors(at)
    # the section's own heading on the backlog; on the stand-up the agenda's section names it
    heading = {"backlog": f"超期预测（未来 {HORIZON_HOURS} 小时）", "standup": f"3. 未来 {HORIZON_HOURS} 小时到期工单的超期预测"}[key]
    assert heading in [h.value for h in at.subheader]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["24 小时内到期"] == f"{due:,}"
    assert float(metrics["预计超期"]) <= due
    tables = [df.value for df in at.dataframe]
    shifts = next(t for t in tables if list(t.columns) == ["shift", "due", "expected"])
    assert list(shifts["shift"]) == list(SHIFTS_AS_LISTED) and int(shifts["due"].sum()) == due
    units = next(t for t in tables if list(t.columns) == ["unit", "due", "expected"])
    assert int(units["due"].sum()) == due or len(units) == 15
    tickets = next(t for t in tables if "p_on_time" in t.columns)
    assert len(tickets) == due and tickets["p_on_time"].between(0, 1).all()
