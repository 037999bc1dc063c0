"""The QC reports agree with the ledger and with `kpi --json`; the ledger workbooks are the same bytes
for the same data and `now` and neutralise formulas; measures' effect, special flags and handover
notes: written by managers and supervisors only (refused and audited otherwise), notes kept verbatim;
the special ledger's 流转记录: every listed ticket's latest events."""
import io
import json
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from dashboard.services.ledgers import handover, measures, qc_reports, special, workbooks
from dashboard.services.ledgers.guard import LedgerError
from domain.ledgers import qc_period
from queries.schema import audit_log, qc_measures, shift_handovers, special_flags, tickets
from tests.support.paths import ROOT
from tests.support.qc_fixture import NOW, load


@pytest.fixture
def db(engine):
    load(engine)
    return engine


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)


def _summary(data: bytes) -> dict:
    ws = load_workbook(io.BytesIO(data))["概况"]
    rows = {}
    for row in ws.iter_rows(values_only=True):
        if row and row[0] and len(row) > 1 and row[1] is not None and not isinstance(row[1], str):
            rows[row[0]] = row[1]
    return rows


def test_qc_monthly_equals_ledger_and_kpi(db, tmp_path):
    url = db.url.render_as_string(hide_password=False)
    out = tmp_path / "qc.xlsx"
    done = _cli("report", "qc-monthly", "--date", "2026-01-15", "--now", f"{NOW:%Y-%m-%d %H:%M:%S}", "--out", str(out),
                "--db", url)
    assert done.returncode == 0, done.stderr
    figures = _summary(out.read_bytes())
    start, end = qc_period("qc-monthly", date(2026, 1, 15))
    with db.connect() as conn:
        ledger = qc_reports.ledger_frame(conn, start=start, end=end, now=NOW)
    assert figures["质检量"] == len(ledger) == 9
    assert figures["退回量"] == int((ledger["质检结果"] == "退回").sum()) == 4
    kpi = _cli("kpi", "--month", "2026-01", "--json", "--now", f"{NOW:%Y-%m-%d %H:%M:%S}", "--db", url)
    assert kpi.returncode == 0, kpi.stderr
    indicators = json.loads(kpi.stdout)["indicators"]
    on_time, escape = indicators["qc_on_time_rate"], indicators["qc_escape_rate"]
    assert (on_time["numerator"], on_time["denominator"]) == (7, 8)
    assert float(figures["质检及时率"]) == pytest.approx(float(on_time["value"]))
    assert (escape["numerator"], escape["denominator"]) == (2, 4)
    assert float(figures["质检差错率"]) == pytest.approx(float(escape["value"]))
    assert figures["市级退回（漏检）量"] == 2 and figures["办结量"] == 4


def test_workbooks_same_bytes_and_formula_safe(sqlite_engine):
    load(sqlite_engine)
    with sqlite_engine.begin() as conn:
        special.flag(conn, username="sup", role="supervisor", ticket_no="A", reason="=HYPERLINK(\"x\")", now=NOW)
        handover.write_note(conn, username="sup", role="supervisor", day=date(2026, 2, 1), shift="夜班", group="质检",
                            note="+1 <script>alert(1)</script>", now=NOW)
        measures.add_measure(conn, username="sup", role="supervisor", title="@SUM(A1)", owner="赵质一",
                             started_on=date(2026, 1, 12), due_on=date(2026, 1, 20), target_kind="defect",
                             target="回复不完整", now=NOW)
    calls = [
        (workbooks.build_qc_daily, {}), (workbooks.build_qc_weekly, {}), (workbooks.build_qc_monthly, {}),
        (workbooks.build_qc_ledger, {}), (workbooks.build_special_ledger, {}),
        (workbooks.build_handover, {"shift": "夜班", "group": "质检"}),
    ]
    with sqlite_engine.connect() as conn:
        for fn, opts in calls:
            day = date(2026, 2, 1) if fn is workbooks.build_handover else date(2026, 1, 5)
            a, b = fn(conn, day=day, now=NOW, **opts), fn(conn, day=day, now=NOW, **opts)
            assert a == b, fn.__name__
            wb = load_workbook(io.BytesIO(a))
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    for v in row:
                        assert not (isinstance(v, str) and v[:1] in "=+-@"), (fn.__name__, v)
        handover_book = load_workbook(io.BytesIO(workbooks.build_handover(conn, day=date(2026, 2, 1), now=NOW,
                                                                          shift="夜班", group="质检")))
    texts = [v for row in handover_book["交接说明"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert any("<script>alert(1)</script>" in t for t in texts)


def test_qc_report_sections_known_answers(db):
    with db.connect() as conn:
        rep = qc_reports.qc_report(conn, kind="qc-weekly", day=date(2026, 1, 8), now=NOW)
    assert rep.totals["events"] == 7 and rep.prev_totals["events"] == 3 and not rep.in_progress
    top = rep.section("主要缺陷").frame
    assert list(top["缺陷类型"]) == ["回复不完整", "未注明"] and list(top["本期退回量"]) == [2, 1]
    assert list(top["上期退回量"]) == [0, 0]
    defects = rep.section("按缺陷类型").frame.set_index("缺陷类型")
    assert float(defects.loc["回复不完整", "退回率"]) == pytest.approx(2 / 7, abs=1e-6)
    assert float(defects.loc["未注明", "占退回比率"]) == pytest.approx(1 / 3, abs=1e-6)
    assert defects.loc["回复不完整", "质检及时率"] == 1
    summary = rep.section("概况").frame.set_index("指标")
    assert (summary.loc["质检量", "本期"], summary.loc["质检量", "上期"], summary.loc["质检量", "变化"]) == (7, 3, 4)
    assert summary.loc["质检量", "环比"] is None            # a base under 30: no percentage change
    assert float(summary.loc["质检及时率", "本期"]) == pytest.approx(6 / 7, abs=1e-6)
    by_unit = rep.section("按承办单位").frame
    assert list(by_unit["承办单位"]) == ["梨园镇", "永顺镇", "宋庄镇"]


def test_measure_effect(db):
    with db.begin() as conn:
        # before 2026-01-05 (4 weeks): 3 QC events, none rejected for 回复不完整; since: 9 events up to and
        # including now (D's reject at exactly now counts, its pass a second later does not), 2 such rejects
        measures.add_measure(conn, username="m", role="manager", title="回复模板", owner="赵质一",
                             started_on=date(2026, 1, 5), due_on=date(2026, 1, 10), target_kind="defect",
                             target="回复不完整", now=NOW)
        measures.add_measure(conn, username="m", role="manager", title="复核差错", owner="钱质二",
                             started_on=date(2026, 1, 12), due_on=date(2026, 3, 1), target_kind="indicator",
                             target="qc_escape_rate", now=NOW, status="实施中")
    with db.connect() as conn:
        df = measures.measures_frame(conn, now=NOW)
    rows = {r["措施"]: r for r in df.to_dict("records")}
    first = rows["回复模板"]
    assert first["措施前比率"] == 0 and float(first["措施后比率"]) == pytest.approx(2 / 9)
    assert first["效果"] == "未改善" and first["是否逾期"] == "是"   # 计划中 past its due day
    second = rows["复核差错"]
    # escapes: 4 weeks before 12 Jan: A's CLOSE (escaped) and B's, F's → 1/3; since: G's CLOSE escaped → 1/1
    assert float(second["措施前比率"]) == pytest.approx(1 / 3) and second["措施后比率"] == 1
    assert second["效果"] == "未改善" and second["是否逾期"] == "否"


def test_measure_whose_weeks_before_lack_data_says_so(db):
    """The fixture's data start on 20 Dec 2025 (its tickets' receipt): a measure started on 5 Jan
    counts 16 days of its 4 weeks before and is marked; one started on 1 Feb counts all 4 weeks."""
    with db.begin() as conn:
        measures.add_measure(conn, username="m", role="manager", title="回复模板", owner="赵质一",
                             started_on=date(2026, 1, 5), due_on=date(2026, 1, 10), target_kind="defect",
                             target="回复不完整", now=NOW)
        measures.add_measure(conn, username="m", role="manager", title="联系记录复核", owner="钱质二",
                             started_on=date(2026, 2, 1), due_on=date(2026, 3, 1), target_kind="defect",
                             target="未联系诉求人", now=NOW, status="实施中")
    with db.connect() as conn:
        notes = dict(zip(*(measures.measures_frame(conn, now=NOW)[c] for c in ("措施", "说明")), strict=True))
        book = load_workbook(io.BytesIO(workbooks.build_qc_weekly(conn, day=date(2026, 1, 8), now=NOW)))
    assert notes == {"回复模板": "措施前不足 4 周数据（数据始于 2025-12-20）", "联系记录复核": ""}
    rows = [r for r in book["改进措施"].iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if "措施" in r and "说明" in r)
    title, note = rows[header].index("措施"), rows[header].index("说明")
    assert {r[title]: r[note] or "" for r in rows[header + 1:] if r[title]} == notes
    assert any("措施前不足 4 周数据" in str(v) for r in rows[:header] for v in r if v)     # the sheet's note says why


@pytest.mark.parametrize("role", ["leader", "reviewer", "analyst", "admin", "display", None])
def test_writes_refused_for_roles_that_may_not_write(db, role):
    with db.begin() as conn:
        with pytest.raises(LedgerError, match="无权"):
            special.flag(conn, username="x", role=role, ticket_no="A", reason="r", now=NOW)
        with pytest.raises(LedgerError, match="无权"):
            handover.write_note(conn, username="x", role=role, day=date(2026, 1, 5), shift="早班", group="派单",
                                note="n", now=NOW)
        with pytest.raises(LedgerError, match="无权"):
            measures.add_measure(conn, username="x", role=role, title="t", owner="o", started_on=date(2026, 1, 5),
                                 due_on=date(2026, 1, 6), target_kind="defect", target="未注明", now=NOW)
    with db.connect() as conn:
        for table in (special_flags, shift_handovers, qc_measures):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0
        denied = conn.execute(sa.select(sa.func.count()).select_from(audit_log)
                              .where(audit_log.c.action == "access_denied")).scalar()
    assert denied == 3


def test_a_refused_write_from_the_pages_stays_audited_after_its_transaction_rolls_back(db, monkeypatch):
    """The pages write through reads.writing(): the refusal's audit row must survive the rollback."""
    from dashboard.services.standup_actions import ActionError
    from dashboard.web.reads import ledgers as ledger_writes
    from dashboard.web.reads import payment as payment_writes
    from dashboard.web.reads import standup as standup_writes

    monkeypatch.setenv("HOTLINE_WRITE_DB_URL", db.url.render_as_string(hide_password=False))
    with pytest.raises(LedgerError, match="无权"):
        ledger_writes.flag_ticket(username="lead1", role="leader", ticket_no="A", reason="r", now=NOW)
    with pytest.raises(ActionError, match="无权"):
        standup_writes.add_action(role="leader", username="lead2", owner="o", text="t", due=None,
                                  created_on=date(2026, 1, 5))
    with pytest.raises(Exception, match="无权"):
        payment_writes.save_dates(instalment=1, due_on=date(2026, 1, 6), paid_on=None, note="", username="an1",
                                  role="analyst", now=NOW)
    with db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(special_flags)).scalar() == 0
        denied = conn.execute(sa.select(audit_log.c.username, audit_log.c.target)
                              .where(audit_log.c.action == "access_denied").order_by(audit_log.c.username)).all()
    assert [tuple(r) for r in denied] == [("an1", "instalment:1"), ("lead1", "ticket:A"), ("lead2", "standup_actions")]


def test_handover_note_verbatim_and_acknowledged_by_the_next_lead(db):
    note = "<script>alert('x')</script>\n夜班遗留 3 张"
    with db.begin() as conn:
        handover.write_note(conn, username="sup1", role="supervisor", day=date(2026, 1, 31), shift="中班", group="质检",
                            note=note, now=datetime(2026, 1, 31, 23, 50))
    with db.begin() as conn:
        with pytest.raises(LedgerError, match="填写人本人"):
            handover.acknowledge(conn, username="sup1", role="supervisor", day=date(2026, 1, 31), shift="中班",
                                 group="质检", now=NOW)
    with db.begin() as conn:
        handover.acknowledge(conn, username="mgr", role="manager", day=date(2026, 1, 31), shift="中班", group="质检",
                             now=NOW)
    with db.connect() as conn:
        last = handover.last_handovers(conn, now=NOW)
        log = handover.shift_log(conn, day=date(2026, 1, 31), shift="中班", group="质检", now=NOW)
    row = last[last["班组"] == "质检"].iloc[0]
    assert row["交接说明"] == note and row["接班确认"].startswith("mgr")
    assert log.note["note"] == note


def test_special_ledger_lists(db):
    with db.begin() as conn:
        special.flag(conn, username="sup", role="supervisor", ticket_no="B", reason="领导关注", now=NOW)
        with pytest.raises(LedgerError, match="已标记"):
            special.flag(conn, username="sup", role="supervisor", ticket_no="B", reason="again", now=NOW)
    with db.connect() as conn:
        flagged = special.list_frame(conn, kind="flagged", now=NOW)
    assert list(flagged["工单编号"]) == ["B"] and list(flagged["标记原因"]) == ["领导关注"]
    with db.begin() as conn:
        special.unflag(conn, username="mgr", role="manager", ticket_no="B", reason="已办结", now=NOW)
    with db.connect() as conn:
        assert special.list_frame(conn, kind="flagged", now=NOW).empty


def test_demo_fills_every_ledger(sqlite_engine):
    from dashboard.services.demo import generate

    end, now = date(2026, 3, 10), datetime(2026, 3, 10, 15, 30)
    generate(sqlite_engine, days=28, tickets_per_day=150, seed=11, end=end, now=now)
    with sqlite_engine.connect() as conn:
        df = measures.measures_frame(conn, now=now)
        verdicts = dict(zip(df["目标"], df["效果"]))
        last = handover.last_handovers(conn, now=now)
        flagged = special.list_frame(conn, kind="flagged", now=now)
        rep = qc_reports.qc_report(conn, kind="qc-weekly", day=end, now=now)
    assert verdicts["缺陷类型：未联系诉求人"] == "已改善" and verdicts["缺陷类型：答复口径不规范"] == "未改善"
    assert (df["是否逾期"] == "是").sum() == 1
    assert len(last) == 5 and not last["交接说明"].str.contains("暂无").any()
    assert len(flagged) == 5
    assert len(rep.section("按缺陷类型").frame) >= 4 and "未注明" not in set(rep.section("按缺陷类型").frame["缺陷类型"])


def test_indicator_measure_since_reads_settled_days_and_counts_today_live(engine):
    """A measure aimed at an indicator, started days ago: its 措施后比率 adds the stored counts of
    the settled days to today's counted live, and equals the whole window counted live."""
    from dashboard.services.assessment import settled_counts
    from dashboard.services.demo import generate
    from dashboard.services.rules_store import rules_for_month
    from queries import assessment as assessment_queries

    end, now = date(2026, 3, 10), datetime(2026, 3, 10, 15, 30)
    generate(engine, days=28, tickets_per_day=150, seed=11, end=end, now=now)
    started = datetime(2026, 3, 1)
    with engine.begin() as conn:
        conn.execute(qc_measures.delete())
        for target in ("sign_on_time_rate", "qc_escape_rate"):
            measures.add_measure(conn, username="m", role="manager", title=target, owner="赵质一",
                                 started_on=started.date(), due_on=date(2026, 3, 20), target_kind="indicator",
                                 target=target, now=now)
    with engine.connect() as conn:
        df = measures.measures_frame(conn, now=now)
        rules = rules_for_month(conn, "2026-03")
        limits, required = rules.limits(), rules.required_heads()
        stored = settled_counts.read_stored(conn, start=started, end=datetime(2026, 3, 10), now=now, limits=limits,
                                            required=required, horizon=settled_counts.data_horizon(conn))
        live = assessment_queries.window_counts(conn, start=started, end=now, now=now, limits=limits,
                                                required=required)
    assert len(stored) >= 5                     # most of the days since are read from the stored counts
    rows = {r["措施"]: r for r in df.to_dict("records")}
    for target in ("sign_on_time_rate", "qc_escape_rate"):
        numerator, denominator = live[target]
        assert denominator > 0
        assert rows[target]["措施后比率"] == pytest.approx(Decimal(numerator) / Decimal(denominator), abs=Decimal("1e-6"))


def test_cli_ledger_kinds(sqlite_engine, tmp_path):
    load(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    now = f"{NOW:%Y-%m-%d %H:%M:%S}"
    bad = _cli("report", "handover", "--date", "2026-01-05", "--shift", "早班", "--group", "综合", "--now", now,
               "--out", str(tmp_path / "h.xlsx"), "--db", url)
    assert bad.returncode == 1 and "未知的班组" in bad.stderr and not (tmp_path / "h.xlsx").exists()
    missing = _cli("report", "handover", "--date", "2026-01-05", "--now", now, "--out", str(tmp_path / "h.xlsx"),
                   "--db", url)
    assert missing.returncode == 1 and "--shift 和 --group" in missing.stderr
    ok = _cli("--db", url, "report", "qc-ledger", "--date", "2026-01-05", "--shift", "早班", "--now", now,
              "--out", str(tmp_path / "l.xlsx"))
    assert ok.returncode == 0, ok.stderr
    ws = load_workbook(tmp_path / "l.xlsx")["质检台账"]
    tickets = [r[1] for r in ws.iter_rows(min_row=7, values_only=True) if r[1]]
    assert tickets == ["A", "A"]    # 09:00 reject and 12:00 pass; B's 00:00 reject is 夜班, its 22:00:01 pass 中班


def test_overdue_measure_stands_out_in_the_workbook(sqlite_engine):
    load(sqlite_engine)
    with sqlite_engine.begin() as conn:
        measures.add_measure(conn, username="m", role="manager", title="逾期措施", owner="赵质一",
                             started_on=date(2026, 1, 5), due_on=date(2026, 1, 10), target_kind="defect",
                             target="回复不完整", now=NOW)
        measures.add_measure(conn, username="m", role="manager", title="按期措施", owner="赵质一",
                             started_on=date(2026, 1, 5), due_on=date(2026, 3, 1), target_kind="defect",
                             target="未注明", now=NOW)
    with sqlite_engine.connect() as conn:
        ws = load_workbook(io.BytesIO(workbooks.build_qc_weekly(conn, day=date(2026, 1, 8), now=NOW)))["改进措施"]
    fills = {row[1].value: row[1].fill.fgColor.rgb for row in ws.iter_rows(min_row=7) if row[1].value}
    assert fills["逾期措施"].endswith("FDE2E1") and not fills["按期措施"].endswith("FDE2E1")


def _history_rows(data: bytes) -> list[tuple]:
    rows = [r for r in load_workbook(io.BytesIO(data))["流转记录"].iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if "工单编号" in r and "操作" in r)
    no, at = rows[header].index("工单编号"), rows[header].index("时间")
    return [(r[no], str(r[at])) for r in rows[header + 1:] if r[no]]


def test_special_ledger_history_covers_every_list_bounded_per_ticket(db, monkeypatch):
    with db.begin() as conn:
        # E called back in the week of 5 Jan and not resolved; C called back the week after (not listed)
        conn.execute(tickets.update().where(tickets.c.ticket_no == "E").values(
            callback_at=datetime(2026, 1, 6, 10, 0), resolved=False))
        conn.execute(tickets.update().where(tickets.c.ticket_no == "C").values(
            callback_at=datetime(2026, 1, 13, 10, 0), resolved=False))
        special.flag(conn, username="sup", role="supervisor", ticket_no="A", reason="领导关注", now=NOW)
    with db.connect() as conn:
        book = workbooks.build_special_ledger(conn, day=date(2026, 1, 5), now=NOW)
        assert book == workbooks.build_special_ledger(conn, day=date(2026, 1, 5), now=NOW)
        # every event up to now of the flagged A (6) and of the unresolved callback E (3), in time order
        assert _history_rows(book) == [
            ("A", "2026-01-05 08:00:00"), ("A", "2026-01-05 09:00:00"), ("A", "2026-01-05 10:00:00"),
            ("A", "2026-01-05 12:00:00"), ("A", "2026-01-05 13:00:00"), ("A", "2026-01-06 09:00:00"),
            ("E", "2025-12-31 23:00:00"), ("E", "2025-12-31 23:59:59"), ("E", "2026-01-01 00:00:00")]
        monkeypatch.setattr(special, "SPECIAL_HISTORY_EVENTS", 2)    # the latest 2 of each ticket
        assert _history_rows(workbooks.build_special_ledger(conn, day=date(2026, 1, 5), now=NOW)) == [
            ("A", "2026-01-05 13:00:00"), ("A", "2026-01-06 09:00:00"),
            ("E", "2025-12-31 23:59:59"), ("E", "2026-01-01 00:00:00")]
