"""The working-day calendar table: seeded from chinesecalendar, a year imported from its notice,
「日历未确认」 / calendar_confirmed while a year is missing (kpi --json and its text, the acceptance
workbook's 考核汇总 and 付款计算), the 60-day warning."""
from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta

import chinese_calendar
import openpyxl
import pytest
import sqlalchemy as sa

from dashboard.cli.main import main
from dashboard.services import calendar_days, calendar_import, facts
from dashboard.services.assessment.signoff import add_rules_version
from dashboard.services.reports.acceptance import build_acceptance_workbook
from domain.calendar import UNCONFIRMED_NOTE, WorkingDayCalendar
from domain.rules import Rules
from queries.schema import audit_log, ticket_facts, tickets
from queries.schema import calendar_days as calendar_table
from tests.support.december_files import url_of

CLOCK = date(2026, 12, 6)
NOTICE_2027 = ("日期,类型\n2027-01-01,休\n2027-02-06,休\n2027-02-07,休\n2027-02-08,休\n2027-02-09,休\n"
               "2027-02-10,休\n2027-02-11,休\n2027-02-12,休\n2027-02-14,班\n")


def _working_day_rules(engine, month: str, contract_start: str | None = None) -> None:
    rules = Rules.default()
    rules.body["sla"]["close_in_working_days"] = True
    if contract_start:
        rules.body["payment"]["contract_start"] = contract_start
    with engine.begin() as conn:
        add_rules_version(conn, Rules(rules.body), effective_from=month, note="工作日办结时限", username="admin",
                          role="admin")


def _kpi(engine, capsys, month: str, now: str) -> dict:
    capsys.readouterr()
    assert main(["--db", url_of(engine), "kpi", "--month", month, "--json", "--now", now]) == 0
    return json.loads(capsys.readouterr().out)


def _import(engine, tmp_path, text: str, name: str = "2027.csv") -> int:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return main(["--db", url_of(engine), "calendar", "import", str(path)])


def test_seed_equals_the_package_for_every_day_it_knows(engine):
    with engine.connect() as conn:
        table = calendar_days.load(conn)
    assert table.years() == list(range(2004, 2027))
    day = date(2004, 1, 1)
    while day < date(2027, 1, 1):
        assert table.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert not table.knows(date(2027, 1, 1))


def test_missing_year_unconfirmed_then_imported(engine, tmp_path, capsys):
    _working_day_rules(engine, "2026-12")
    with engine.connect() as conn:
        before = calendar_days.load(conn)
    assert calendar_days.unknown_years_ahead(before, CLOCK) == [2027]
    assert "2027 年" in calendar_days.warning_text([2027])
    assert _kpi(engine, capsys, "2027-01", "2027-02-10 00:00:00")["calendar_confirmed"] is False
    # a month of 2026 whose 15-working-day limits reach into January 2027 is unconfirmed too
    assert _kpi(engine, capsys, "2026-12", "2026-12-06 09:00:00")["calendar_confirmed"] is False
    # November's rules count calendar time: nothing used the calendar
    assert _kpi(engine, capsys, "2026-11", "2026-12-06 09:00:00")["calendar_confirmed"] is True

    assert _import(engine, tmp_path, NOTICE_2027) == 0
    assert "已导入 2027 年工作日历：工作日放假（休）6 天，周末上班（班）1 天" in capsys.readouterr().out
    with engine.connect() as conn:
        after = calendar_days.load(conn)
        audited = conn.execute(sa.select(audit_log.c.action, audit_log.c.target)).all()
    assert calendar_days.unknown_years_ahead(after, CLOCK) == []
    assert calendar_days.warning_text(calendar_days.unknown_years_ahead(after, CLOCK)) is None
    assert ("calendar_import", "2027") in audited
    assert _kpi(engine, capsys, "2027-01", "2027-02-10 00:00:00")["calendar_confirmed"] is True
    assert _kpi(engine, capsys, "2026-12", "2026-12-06 09:00:00")["calendar_confirmed"] is True


def test_working_day_deadline_across_the_imported_spring_festival(engine, tmp_path):
    received = datetime(2027, 2, 5, 10, 0)     # a Friday; 7 working days
    with engine.connect() as conn:
        assert calendar_days.load(conn).add_working_days(received, 7) == datetime(2027, 2, 16, 10, 0)  # Mon–Fri
    assert _import(engine, tmp_path, NOTICE_2027) == 0
    with engine.connect() as conn:
        cal = calendar_days.load(conn)
    # 8–12 Feb off, Sunday 14 Feb worked (1), 15–19 Feb (2–6), 22 Feb (7)
    assert cal.add_working_days(received, 7) == datetime(2027, 2, 22, 10, 0)
    assert cal.is_working_day(date(2027, 2, 14)) and not cal.is_working_day(date(2027, 1, 1))


def test_reimport_replaces_the_year(engine, tmp_path):
    assert _import(engine, tmp_path, NOTICE_2027) == 0
    assert _import(engine, tmp_path, "日期,类型\n2027-01-01,休\n", "again.csv") == 0
    with engine.connect() as conn:
        cal = calendar_days.load(conn)
        sources = {s for (s,) in conn.execute(sa.select(calendar_table.c.source).where(
            calendar_table.c.day >= date(2027, 1, 1)))}
    assert cal.is_working_day(date(2027, 2, 8)) and sources == {"import:again.csv"}


@pytest.mark.parametrize("text, reason", [
    ("日期,类型\n2027-01-01,休\n2027-13-01,休\n", "第 3 行：日期「2027-13-01」无法识别"),
    ("日期,类型\n2027-01-01,放\n", "第 2 行：类型「放」无效（应为 休 或 班）"),
    ("日期,类型\n2027-01-01,休\n2027-01-01,班\n", "第 3 行：日期 2027-01-01 重复出现"),
    ("日期,类型\n2027-01-01,休\n2028-01-01,休\n", "文件包含多个年份（2027、2028）"),
    ("日期,种类\n2027-01-01,休\n", "缺少列：类型"),
    ("", "文件为空"),
])
def test_bad_files_are_refused_and_nothing_is_written(engine, text, reason):
    with engine.connect() as conn:
        rows_before = conn.execute(sa.select(sa.func.count()).select_from(calendar_table)).scalar()
    with pytest.raises(calendar_import.CalendarRefused) as refused, engine.begin() as conn:
        calendar_import.import_notice(conn, "bad.csv", text.encode("utf-8"), username="admin")
    assert reason in str(refused.value)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(calendar_table)).scalar() == rows_before
        assert not calendar_days.load(conn).knows(date(2027, 1, 1))


def test_cli_refuses_a_bad_file_with_exit_1(engine, tmp_path, capsys):
    assert _import(engine, tmp_path, "日期,类型\n2027-01-01,放\n") == 1
    assert "类型「放」无效" in capsys.readouterr().err


def test_show_lists_the_days_that_differ(engine, tmp_path, capsys):
    assert main(["--db", url_of(engine), "calendar", "show", "--year", "2027"]) == 0
    assert "2027 年：日历中没有数据" in capsys.readouterr().out
    assert _import(engine, tmp_path, NOTICE_2027) == 0
    capsys.readouterr()
    assert main(["--db", url_of(engine), "calendar", "show", "--year", "2027"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == ["2027-01-01\t周五\t休", "2027-02-08\t周一\t休", "2027-02-09\t周二\t休", "2027-02-10\t周三\t休",
                         "2027-02-11\t周四\t休", "2027-02-12\t周五\t休", "2027-02-14\t周日\t班"]


def test_an_unknown_year_counts_monday_to_friday():
    cal = WorkingDayCalendar({date(2026, 10, 1): False}, [2026])
    assert cal.knows(date(2026, 6, 1)) and not cal.knows(date(2027, 6, 1))
    assert [cal.is_working_day(date(2027, 1, d)) for d in range(1, 5)] == [True, False, False, True]
    assert not cal.is_working_day(date(2026, 10, 1))


def _summary_states(engine, sheet: str = "考核汇总") -> dict[str, str]:
    """月份 → 状态 of the sheet's first table (it ends at the first empty row)."""
    with engine.connect() as conn:
        data = build_acceptance_workbook(conn, day=date(2026, 12, 6), now=datetime(2026, 12, 6, 9, 0))
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if "月份" in r and "状态" in r)
    month_col, state_col = rows[header].index("月份"), rows[header].index("状态")
    table = []
    for r in rows[header + 1:]:
        if not any(r):
            break
        table.append(r)
    return {r[month_col]: r[state_col] for r in table if r[month_col]}


def _kpi_text(engine, capsys, month: str, now: str) -> list[str]:
    capsys.readouterr()
    assert main(["--db", url_of(engine), "kpi", "--month", month, "--now", now]) == 0
    return capsys.readouterr().out.splitlines()


def test_kpi_text_says_unconfirmed_until_the_year_is_imported(engine, tmp_path, capsys):
    _working_day_rules(engine, "2026-12")      # December's working-day limits reach January 2027
    december = _kpi_text(engine, capsys, "2026-12", "2026-12-06 09:00:00")
    assert december[1] == UNCONFIRMED_NOTE and december[1].startswith("日历未确认：")
    november = _kpi_text(engine, capsys, "2026-11", "2026-12-06 09:00:00")   # calendar time
    assert not any("日历未确认" in line for line in november) and november[1] == ""
    assert _import(engine, tmp_path, NOTICE_2027) == 0
    december = _kpi_text(engine, capsys, "2026-12", "2026-12-06 09:00:00")
    assert not any("日历未确认" in line for line in december) and december[1] == ""


def test_acceptance_workbook_marks_the_unconfirmed_month(engine, tmp_path):
    _working_day_rules(engine, "2026-12", contract_start="2026-12")   # the workbook's months: 2026-12
    with engine.begin() as conn:   # a month with data (a month without any has no result to mark)
        conn.execute(tickets.insert(), [{"ticket_no": "CAL-0", "received_at": datetime(2026, 12, 1, 10, 0),
                                         "urgency": "一般", "sla_class": "一般"}])
        facts.refresh(conn, ["CAL-0"])
    assert _summary_states(engine) == {"2026-12": "测算（未签认）（日历未确认）"}
    payment = _summary_states(engine, "付款计算")
    assert payment["2026-12"] == "测算（未签认）（日历未确认）"
    assert payment["2027-01"] == "待考核" and len(payment) == 12       # months to come are not marked
    assert _import(engine, tmp_path, NOTICE_2027) == 0
    assert _summary_states(engine)["2026-12"] == "测算（未签认）"
    assert _summary_states(engine, "付款计算")["2026-12"] == "测算（未签认）"


def test_import_rederives_the_stored_deadlines(engine, tmp_path):
    _working_day_rules(engine, "2026-12")
    with engine.begin() as conn:
        conn.execute(tickets.insert(), [{"ticket_no": "CAL-1", "received_at": datetime(2027, 2, 5, 10, 0),
                                         "urgency": "一般", "sla_class": "一般"}])
        facts.refresh(conn, ["CAL-1"])

    def deadline():
        with engine.connect() as conn:
            return conn.execute(sa.select(ticket_facts.c.deadline_at)
                                .where(ticket_facts.c.ticket_no == "CAL-1")).scalar_one()

    assert deadline() == datetime(2027, 2, 16, 10, 0)      # Monday–Friday
    assert _import(engine, tmp_path, NOTICE_2027) == 0
    assert deadline() == datetime(2027, 2, 22, 10, 0)      # across the imported Spring Festival
