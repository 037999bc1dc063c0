"""The `tickets` command: the export as of `now` (status, overdue, deadline), formula-safe cells and
ticket numbers kept as text, refusals of bad arguments."""
from __future__ import annotations

import pandas as pd

from dashboard.cli.main import main
from dashboard.services import ingest
from tests.support.december_files import cli, import_month


def test_export_is_formula_safe_and_text_ids(sqlite_engine, tmp_path):
    data = "工单编号,接收时间\n=1+1,2025-12-01 08:00:00\n000123,2025-12-01 09:00:00\n".encode()
    assert ingest.run_import(sqlite_engine, "tickets", "f.csv", data, username="t").status == "ok"
    out = tmp_path / "x.csv"
    url = sqlite_engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "tickets", "--now", "2025-12-02 00:00:00", "--out", str(out)]) == 0
    df = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert list(df["工单编号"]) == ["000123", "'=1+1"]     # sorted by 工单编号 ("0" before "=")
    assert main(["--db", url, "tickets", "--now", "soon", "--out", str(out)]) == 1
    assert main(["--db", url, "tickets", "--month", "2025-13", "--out", str(out)]) == 1


def test_tickets_export_overdue_as_of_now(engine, tmp_path):
    import_month(engine)
    out = tmp_path / "t.csv"
    assert cli(engine, "tickets", "--month", "2025-12", "--now", "2025-12-20 12:00:00", "--out", str(out)) == 0
    df = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    got = {r.工单编号: (r.状态, r.是否超期) for r in df.itertuples()}
    assert got == {
        "T001": ("已办结", "否"),   # closed before the 7-day deadline
        "T002": ("已办结", "是"),   # closed 1 h after it
        "T003": ("办理中", "否"),   # 7 days + EXTEND_APPROVED 3 days → 12-22
        "T004": ("待签收", "否"),   # imported 截止时间 == now
        "T005": ("待签收", "是"),   # imported 截止时间 one second before now
        "T006": ("待签收", "否"),   # +00:00 offset → deadline exactly now
        "T007": ("待签收", "是"),   # Z offset → deadline one second before now
        "T009": ("已退回", "否"),
        "T010": ("办理中", "否"),   # 紧急 2 h, deadline == now
        "T011": ("办理中", "否"),   # 疑难 15 days; its CLOSE is after now
        "T013": ("办理中", "是"),   # reopened after the CLOSE, past the deadline
    }                              # T008 arrives after now, T012 is November
    assert df.set_index("工单编号").loc["T003", "截止时间"] == "2025-12-22 12:00:00"
    later = tmp_path / "later.xlsx"
    assert cli(engine, "tickets", "--now", "2025-12-21 10:00:00", "--out", str(later)) == 0
    x = pd.read_excel(later, dtype=str).set_index("工单编号")
    assert len(x) == 13 and x.loc["T011", "状态"] == "已办结" and x.loc["T011", "是否超期"] == "是"
    assert x.loc["T012", "接收时间"] == "2025-11-30 23:59:59"
