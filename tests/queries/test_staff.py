"""Per-person counts, shares, errors with their evidence and medians on a hand-built month, on SQLite
and PostgreSQL."""
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from domain.staffing import period_bounds, shift_bounds
from domain.vocabulary import SHIFTS, STAFF_ROLES
from queries import staff as q
from tests.support.staff_fixture import NOW, load

JAN = (datetime(2026, 1, 1), datetime(2026, 2, 1))


def row(df, staff_no):
    sel = df[df["staff_no"] == staff_no]
    assert len(sel) == 1, df
    return sel.iloc[0]


@pytest.fixture
def db(engine):
    load(engine)
    return engine


def test_dispatchers_month(db):
    with db.connect() as conn:
        df = q.staff_performance(conn, role="派单专员", start=JAN[0], end=JAN[1], now=NOW)
    p1, p2 = row(df, "P01"), row(df, "P02")
    assert (p1.signed, p1.signed_on_time) == (6, 5)            # T2 signed at 30:01; T8 signed in January
    assert (p1.dispatched, p1.dispatch_judged, p1.dispatched_on_time) == (4, 3, 3)  # T4 had a return request
    assert p1.wrong_dispatches == 1 and p1.urges == 1         # the 25 Jan URGE is after now
    assert p1.median_sign_minutes == pytest.approx(17.5)      # 5, 10, 15 | 20, 30, 30:01
    assert p1.median_dispatch_minutes == pytest.approx(35.0)  # 20, 30 | 40, 300
    assert p1.sign_on_time_share == pytest.approx(5 / 6)
    assert (p1.planned_shifts, p1.attended_shifts) == (3, 2)  # 20 Jan 中班 starts after now
    assert (p2.signed, p2.signed_on_time, p2.dispatched, p2.dispatched_on_time) == (2, 2, 2, 1)
    assert p2.wrong_dispatches == 0 and p2.median_dispatch_minutes == pytest.approx(75.5)  # 31 and 120 min
    assert (p2.planned_shifts, p2.attended_shifts) == (1, 1)


def test_dispatchers_day_and_team(db):
    start, end = period_bounds("day", datetime(2026, 1, 5).date())
    with db.connect() as conn:
        df = q.staff_performance(conn, role="派单专员", start=start, end=end, now=NOW)
        team = q.staff_performance(conn, role="派单专员", start=start, end=end, now=NOW, team="派单二组")
    p1, p2 = row(df, "P01"), row(df, "P02")
    assert (p1.signed, p1.signed_on_time, p1.dispatched, p1.wrong_dispatches) == (2, 1, 1, 1)
    assert (p2.signed, p2.dispatched, p2.dispatched_on_time) == (1, 2, 1)
    assert list(team["staff_no"]) == ["P02"]


def test_shift_period(db):
    start, end = period_bounds("shift", datetime(2026, 1, 20).date(), "早班")
    with db.connect() as conn:
        df = q.staff_performance(conn, role="派单专员", start=start, end=end, now=NOW)
    assert (row(df, "P01").planned_shifts, row(df, "P01").attended_shifts) == (1, 1)


def test_returners_qc_verifiers_analysts(db):
    with db.connect() as conn:
        r = row(q.staff_performance(conn, role="退单专员", start=JAN[0], end=JAN[1], now=NOW), "R01")
        qc = row(q.staff_performance(conn, role="质检专员", start=JAN[0], end=JAN[1], now=NOW), "Q01")
        v = row(q.staff_performance(conn, role="协查专员", start=JAN[0], end=JAN[1], now=NOW), "V01")
        a = row(q.staff_performance(conn, role="数据分析专员", start=JAN[0], end=JAN[1], now=NOW), "A01")
    assert (r.requests, r.requests_on_time, r.decided, r.approved) == (2, 1, 2, 1)
    assert r.on_time_share == pytest.approx(0.5) and r.approved_share == pytest.approx(0.5)
    assert (qc.reviews, qc.rejects, qc.qc_judged, qc.qc_on_time, qc.escapes) == (4, 1, 3, 2, 1)
    assert qc.reject_share == pytest.approx(0.25)
    assert (v.assigned, v.verify_judged, v.done_on_time, v.done, v.not_true_findings) == (3, 2, 1, 1, 1)
    assert (a.reports_due, a.reports_on_time, a.reports_with_errors) == (2, 1, 1)


def test_errors_carry_their_evidence(db):
    with db.connect() as conn:
        p1 = q.errors_with_evidence(conn, start=JAN[0], end=JAN[1], now=NOW, staff_no="P01")
        q1 = q.errors_with_evidence(conn, start=JAN[0], end=JAN[1], now=NOW, staff_no="Q01")
        a1 = q.errors_with_evidence(conn, start=JAN[0], end=JAN[1], now=NOW, staff_no="A01")
    assert len(p1) == 1
    e = p1.iloc[0]
    assert (e.kind, e.ticket_no, e.evidence_action, e.evidence_staff_no) == ("派单错误", "T1", "REDISPATCH", "P02")
    assert e.evidence_at == datetime(2026, 1, 5, 15, 0)
    assert len(q1) == 1 and q1.iloc[0].evidence_action == "REOPEN" and q1.iloc[0].evidence_detail == "city_qc"
    assert q1.iloc[0].evidence_at == datetime(2026, 1, 8, 10, 0)
    assert list(a1["ticket_no"]) == ["RPT2"]


def test_person_daily_and_tickets(db):
    with db.connect() as conn:
        daily = q.person_daily(conn, staff_no="P01", start=JAN[0], end=JAN[1], now=NOW)
        tickets = q.person_tickets(conn, staff_no="P01", start=JAN[0], end=JAN[1], now=NOW)
    jan5 = daily[daily["day"] == datetime(2026, 1, 5).date()].set_index("action")["events"].to_dict()
    assert jan5 == {"SIGN": 2, "DISPATCH": 1}
    assert set(tickets["ticket_no"]) == {"T1", "T2", "T4", "T6", "T7", "T8"}
    t1 = tickets.set_index("ticket_no").loc["T1"]
    assert t1.actions == "DISPATCH,SIGN,URGE" and t1.events == 3


def test_group_median_overall(db):
    with db.connect() as conn:
        med = q.dispatcher_medians(conn, start=JAN[0], end=JAN[1], now=NOW, by_staff=False)
    # sign lags: P01 5,10,15,20,30,30:01 and P02 10,20 → 8 values, middle 15 and 20
    assert med.iloc[0].median_sign_minutes == pytest.approx(17.5)


def _same(a, b):
    def norm(df):
        return df.sort_values("staff_no", kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(norm(a), norm(b))


EDGES = ["00:00:00", "07:59:59", "08:00:00", "15:59:59", "16:00:00", "23:59:59"]


def _shift_edges(engine) -> None:
    """Every role's work on 2026-01-12 at each shift's first and last second; the moments it is judged
    against (the REPLY before a QC, the delivery of a report) fall in the shifts in other numbers, so
    a count keyed by the wrong time lands in the wrong shift."""
    from queries.schema import reports, ticket_events

    day = "2026-01-12"
    rows = []
    for i, t in enumerate(EDGES):
        no = ("T1", "T2", "T3", "T4", "T6", "T7")[i]
        at = datetime.fromisoformat(f"{day} {t}")
        before = _earlier(at, i)
        for action, staff_no, when, detail in (("SIGN", "P01", at, ""), ("DISPATCH", "P02", at, ""),
                                               ("URGE", "P01", at, ""), ("RETURN_REQUEST", "R01", at, "非本区"),
                                               ("REPLY", "", before, ""), ("QC_PASS", "Q01", at, ""),
                                               ("QC_REJECT", "Q01", at, "回复不完整"), ("VERIFY_ASSIGN", "V01", at, ""),
                                               ("VERIFY_DONE", "V01", at, "属实")):
            rows.append({"ticket_no": no, "at": when, "action": action, "staff_no": staff_no, "unit": "",
                         "detail": detail})
    with engine.begin() as conn:
        conn.execute(ticket_events.insert(), rows)
        conn.execute(reports.insert(), [
            {"report_no": f"EDGE{i}", "report_type": "日报", "due_at": datetime.fromisoformat(f"{day} {t}"),
             "delivered_at": _earlier(datetime.fromisoformat(f"{day} {t}"), i), "staff_no": "A01",
             "has_error": i % 2 == 0} for i, t in enumerate(EDGES)])


def _earlier(at: datetime, i: int) -> datetime:
    """The moment a count is judged against: for the night shift's two hours before in the evening
    shift, else a second before (the shifts of these moments are not those of the counted ones)."""
    return at - (timedelta(hours=1 + 8 * i) if i < 2 else timedelta(seconds=1))


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_counts_by_shift_are_each_shifts_counts_and_sum_to_the_period(db, role):
    """The stand-up reads a role's day once per 工号 and shift: each shift's part equals the counts
    of that shift's window, and the parts of a month sum to the month's counts."""
    _shift_edges(db)
    with db.connect() as conn:
        start, end = period_bounds("day", date(2026, 1, 12))
        edges = q.shift_sums(q.role_counts(conn, role, start=start, end=end, now=NOW, by_shift=True))
        # two of the role's moments in each shift, each shift's counts its own
        assert all(sum(edges[name].values()) > 0 for name in SHIFTS), edges
        whole = q.role_counts(conn, role, start=JAN[0], end=JAN[1], now=NOW)
        month = q.role_counts(conn, role, start=JAN[0], end=JAN[1], now=NOW, by_shift=True)
        for day in (date(2026, 1, 1), date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 10), date(2026, 1, 12)):
            start, end = period_bounds("day", day)
            parts = q.shift_sums(q.role_counts(conn, role, start=start, end=end, now=NOW, by_shift=True))
            assert list(parts) == list(SHIFTS)
            for name in SHIFTS:
                s_start, s_end = shift_bounds(day, name)
                assert parts[name] == q.column_sums(q.role_counts(conn, role, start=s_start, end=s_end, now=NOW))
    _same(q.summed_shifts(month), whole)
    assert int(whole.drop(columns="staff_no").to_numpy().sum()) > 0


def test_a_sign_after_midnight_is_the_night_shifts(db):
    start, end = period_bounds("day", date(2026, 1, 1))
    with db.connect() as conn:
        split = q.role_counts(conn, "派单专员", start=start, end=end, now=NOW, by_shift=True)
    assert list(split.loc[split["signed"] > 0, q.SHIFT_KEY]) == ["夜班"]     # T8 signed at 00:10
    assert row(split[split[q.SHIFT_KEY] == "夜班"], "P01").signed == 1
    sums = q.shift_sums(split)
    assert sums["夜班"]["signed"] == 1 and sum(sums["早班"].values()) == sum(sums["中班"].values()) == 0


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_performance_from_frames_read_once_equals_its_own_reads(db, role):
    """The stand-up reads the roster, the shifts and the medians once for the five roles and the
    counts per shift; each role's table made from them is the one staff_performance reads itself."""
    with db.connect() as conn:
        own = q.staff_performance(conn, role=role, start=JAN[0], end=JAN[1], now=NOW)
        split = q.role_counts(conn, role, start=JAN[0], end=JAN[1], now=NOW, by_shift=True)
        people = q.roster(conn, role=None, start=JAN[0], end=JAN[1])
        worked = q.shift_counts(conn, start=JAN[0], end=JAN[1], now=NOW)
        medians = q.dispatcher_medians(conn, start=JAN[0], end=JAN[1], now=NOW)
    assert len(set(people["role"])) > 1
    made = q.staff_performance(None, role=role, start=JAN[0], end=JAN[1], now=NOW, counts=q.summed_shifts(split),
                               people=people, shifts_worked=worked, medians=medians)
    pd.testing.assert_frame_equal(made, own)
    assert len(own) > 0 and int(own["sample"].sum()) > 0
    assert q.column_sums(q.summed_shifts(split)) == {c: int(split[c].sum()) for c in split.columns
                                                      if c not in ("staff_no", q.SHIFT_KEY)}
