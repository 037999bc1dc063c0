"""`tickets` export as of `now` and the ticket list / timeline queries (both engines)."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.cli.main import main
from domain.lifecycle import ACTIONS
from queries.tickets import ticket_list, ticket_timeline
from tests.support.paths import FIXTURES

FIX = FIXTURES
NOW = datetime(2025, 12, 20, 12, 0, 0)


def load(engine):
    url = engine.url.render_as_string(hide_password=False)
    for kind in ["staff", "tickets", "events", "shifts", "reports", "manual"]:
        assert main(["--db", url, "import", kind, str(FIX / f"dec_{kind}.csv")]) == 0


def test_ticket_list_filters(engine):
    load(engine)
    with engine.connect() as c:
        df, total = ticket_list(c, now=NOW, start=datetime(2025, 12, 1), end=datetime(2026, 1, 1))
        assert total == 11 and len(df) == 11 and df["ticket_no"].iloc[0] == "T010"   # newest first
        # facts know all events: T011 is closed (its CLOSE is after NOW, the export handles as-of)
        _, n = ticket_list(c, now=NOW, overdue=True)
        od, _ = ticket_list(c, now=NOW, overdue=True)
        assert sorted(od["ticket_no"]) == ["T002", "T005", "T007", "T011", "T012", "T013"] and n == 6
        page, total = ticket_list(c, now=NOW, limit=3, offset=3)
        assert total == 12 and len(page) == 3
        assert list(ticket_list(c, now=NOW, street="于家务回族乡")[0]["ticket_no"]) == ["T002"]
        assert list(ticket_list(c, now=NOW, staff_no="P002")[0]["ticket_no"]) == ["T009"]
        assert list(ticket_list(c, now=NOW, stages=["已退回"])[0]["ticket_no"]) == ["T009"]
        assert set(ticket_list(c, now=NOW, ticket_no_like="T00")[0]["ticket_no"]) == {
            "T001", "T002", "T003", "T004", "T005", "T006", "T007", "T009"}
        assert ticket_list(c, now=NOW, ticket_no_like="%")[1] == 0
        risk, _ = ticket_list(c, now=NOW, at_risk=True)
        assert set(risk["ticket_no"]) == {"T004", "T006", "T010", "T003"}
        assert list(ticket_list(c, now=NOW, unit="区生态环境局", appeal_type="投诉")[0]["ticket_no"]) == ["T006", "T007"]
        tl = ticket_timeline(c, "T009", labels=ACTIONS)
        assert list(tl["action_label"]) == ["签收", "申请退单", "退单通过"]
        assert list(tl["staff_no"]) == ["P001", "P002", ""]
        assert list(ticket_timeline(c, "T011", labels=ACTIONS, now=NOW)["action"]) == ["SIGN", "DISPATCH", "CONTACT"]


def test_export_is_formula_safe_and_text_ids(sqlite_engine, tmp_path):
    from dashboard.services import ingest

    data = "工单编号,接收时间\n=1+1,2025-12-01 08:00:00\n000123,2025-12-01 09:00:00\n".encode()
    assert ingest.run_import(sqlite_engine, "tickets", "f.csv", data, username="t").status == "ok"
    out = tmp_path / "x.csv"
    url = sqlite_engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "tickets", "--now", "2025-12-02 00:00:00", "--out", str(out)]) == 0
    df = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert list(df["工单编号"]) == ["'=1+1", "000123"]
    assert main(["--db", url, "tickets", "--now", "soon", "--out", str(out)]) == 1
    assert main(["--db", url, "tickets", "--month", "2025-13", "--out", str(out)]) == 1
