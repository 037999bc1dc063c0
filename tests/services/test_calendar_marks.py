"""「日历未确认」 where a figure counted a day the calendar lacks: a ticket's working-day deadline
(tickets export: stderr for csv, a 说明 sheet for xlsx; the /tickets timeline, see
tests/pages/test_tickets_calendar.py) and the surge alert's holiday profile. Clock 2026-12-06, no
2027 data, then the 2027 notice imported."""
from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pandas as pd

from dashboard.cli.main import main
from dashboard.cli.tickets import EXPORT_COLUMNS
from dashboard.services import calendar_days, calendar_import, facts
from dashboard.services.assessment.signoff import add_rules_version
from domain.rules import DAY, Rules
from queries.forecast import surge_status
from queries.schema import ticket_events, tickets
from tests.support.december_files import url_of
from tests.support.live_fixture import event, ticket

NOW = "2026-12-06 09:00:00"
NOTICE_2027 = "日期,类型\n2027-01-01,休\n2027-02-08,休\n2027-02-14,班\n".encode()


def working_day_rules() -> Rules:
    """December 2026's rules: close limits in working days, 疑难 30 days (so a ticket received on
    1 December is due in January 2027)."""
    body = Rules.default().body
    body["sla"]["close_in_working_days"] = True
    body["sla"]["close"]["疑难"] = 30 * DAY
    return Rules(body)


def load_marked(engine) -> None:
    rules = working_day_rules()
    with engine.begin() as conn:
        add_rules_version(conn, rules, effective_from="2026-12", note="工作日办结时限", username="admin", role="admin")
        calendar_days.load(conn)
        conn.execute(tickets.insert(), [ticket("W1", "2026-12-01 09:00:00", sla_class="疑难"),
                                        ticket("C1", "2026-12-01 09:00:00", sla_class="一般")])
        conn.execute(ticket_events.insert(), [event("W1", "2026-12-01 09:10:00", "SIGN"),
                                              event("C1", "2026-12-01 09:10:00", "SIGN")])
        facts.refresh(conn, ["W1", "C1"], rules)


def _export(engine, tmp_path, capsys, name: str):
    capsys.readouterr()
    out = tmp_path / name
    assert main(["--db", url_of(engine), "tickets", "--now", NOW, "--out", str(out)]) == 0
    return out, capsys.readouterr().err


def test_export_marks_unconfirmed_deadlines_until_the_year_is_imported(engine, tmp_path, capsys):
    load_marked(engine)
    csv, err = _export(engine, tmp_path, capsys, "t.csv")
    df = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(df.columns) == EXPORT_COLUMNS                   # the contract's columns, nothing added
    deadlines = dict(zip(df["工单编号"], df["截止时间"], strict=True))
    # 30 working days from Tue 1 Dec 2026 (Monday–Friday for 2027): Tue 12 Jan 2027; 7 from 1 Dec: 10 Dec
    assert deadlines == {"C1": "2026-12-10 09:00:00", "W1": "2027-01-12 09:00:00"}
    assert err.startswith("日历未确认：1 张工单") and "W1" in err and "C1" not in err
    xlsx, err_x = _export(engine, tmp_path, capsys, "t.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert wb.sheetnames == ["工单清单", "说明"]
    assert wb["工单清单"].max_row == 3                           # header and one row per ticket
    notes = [r[0] for r in wb["说明"].iter_rows(min_row=2, values_only=True)]
    assert notes[0].startswith("日历未确认：") and notes[1:] == ["涉及工单 1 张：", "W1"]
    assert err_x == err

    with engine.begin() as conn:
        calendar_import.import_notice(conn, "2027.csv", NOTICE_2027, username="admin")
    csv, err = _export(engine, tmp_path, capsys, "t2.csv")
    assert err == ""
    df = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    # the notice makes 1 January a holiday: one working day later
    assert dict(zip(df["工单编号"], df["截止时间"], strict=True))["W1"] == "2027-01-13 09:00:00"
    xlsx, _ = _export(engine, tmp_path, capsys, "t2.xlsx")
    assert openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes())).sheetnames == ["工单清单"]


def test_surge_alert_says_when_its_holiday_profile_is_unconfirmed(engine):
    with engine.connect() as conn:
        calendar = calendar_days.load(conn)
        today = surge_status(conn, datetime(2026, 12, 6, 10, 0), knows=calendar.knows_all)
        january = surge_status(conn, datetime(2027, 1, 4, 10, 0), knows=calendar.knows_all)
    assert today["calendar_confirmed"] is True and "日历未确认" not in today["message"]
    assert january["calendar_confirmed"] is False and "日历未确认" in january["message"]
    with engine.begin() as conn:
        calendar_import.import_notice(conn, "2027.csv", NOTICE_2027, username="admin")
    with engine.connect() as conn:
        calendar = calendar_days.load(conn)
        january = surge_status(conn, datetime(2027, 1, 4, 10, 0), knows=calendar.knows_all)
    assert january["calendar_confirmed"] is True and "日历未确认" not in january["message"]
