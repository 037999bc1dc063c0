"""The checked import flow in front of the pipeline (dashboard.services.import_flow): the role
re-checked on confirm, committed mappings offered per kind, a mismatched or unreadable mapping refused."""
import pytest
import sqlalchemy as sa

from dashboard.services import import_flow as flow
from domain.access import ROLES, can
from queries.schema import import_log, staff
from tests.support.paths import FIXTURES

STAFF_CSV = (FIXTURES / "dec_staff.csv").read_bytes()


def test_confirm_import_rechecks_role(sqlite_engine):
    up = flow.Upload("dec_staff.csv", STAFF_CSV)
    for role in ROLES:
        if can(role, "import"):
            continue
        with pytest.raises(flow.ImportNotAllowed):
            flow.confirm_import(role, sqlite_engine, "staff", up, username=f"u_{role}")
    with pytest.raises(flow.ImportNotAllowed):
        flow.confirm_import(None, sqlite_engine, "staff", up)
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(import_log)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(staff)).scalar_one() == 0
    res = flow.confirm_import("analyst", sqlite_engine, "staff", up, username="u_analyst")
    assert res.status == "ok" and res.inserted == 4


def test_mappings_offered_per_kind_and_mismatch_refused():
    assert set(flow.committed_mappings("tickets")) == {"nyc_311.yaml", "wenzheng.yaml"}
    assert flow.committed_mappings("staff") == {}
    with pytest.raises(flow.FileRefused, match="工单"):
        flow.check_mapping("staff", flow.mapping_source("nyc_311.yaml"))
    with pytest.raises(flow.FileRefused):
        flow.mapping_source("../pyproject.toml")
    pv = flow.make_preview(sa.create_engine("sqlite://"), "staff", flow.Upload("a.csv", b"x"), b"kind: [")
    assert pv.message and "YAML" in pv.message
