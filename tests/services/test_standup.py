"""Stand-up figures, the action list and the workbook, re-read with openpyxl, against hand counts."""
import io
from dataclasses import fields
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from dashboard.services import standup_actions as sa_
from dashboard.services.reports.standup import SHEETS, build_standup_workbook, standup_pack
from queries import standup
from tests.support.staff_fixture import NOW, load

DAY = date(2026, 1, 6)
AT = datetime(2026, 1, 6, 10, 0, 0)   # stand-up of 6 Jan, during the 早班


@pytest.fixture
def db(engine):
    load(engine)
    with engine.begin() as conn:
        sa_.add(conn, role="supervisor", username="u_sup", owner="张主管", text="复盘 T1 改派原因",
                due=date(2026, 1, 7), created_on=date(2026, 1, 5), now=datetime(2026, 1, 5, 8, 40))
        done = sa_.add(conn, role="manager", username="u_pm", owner="李经理", text="已完成的事项",
                       due=None, created_on=date(2026, 1, 5), now=datetime(2026, 1, 5, 8, 41))
        sa_.update(conn, role="manager", username="u_pm", action_id=done, status="已完成",
                   now=datetime(2026, 1, 5, 17, 0))
        sa_.add(conn, role="admin", username="admin", owner="王组长", text="早班加派 1 人",
                due=date(2026, 1, 6), created_on=DAY, now=AT)
    return engine


def measures(df):
    return {(r.group, r.measure): (r.numerator, r.denominator) for r in df.itertuples()}


def test_group_measures_yesterday_and_shift(db):
    with db.connect() as conn:
        y = measures(standup.group_measures(conn, start=datetime(2026, 1, 5), end=datetime(2026, 1, 6), now=AT))
        s = measures(standup.group_measures(conn, start=datetime(2026, 1, 6, 8), end=datetime(2026, 1, 6, 16), now=AT))
    assert y[("派单", "sign_on_time")] == (2, 3)
    assert y[("派单", "dispatch_on_time")] == (2, 3)
    assert y[("派单", "dispatch_accuracy")] == (2, 3)      # T1 redispatched at 15:00
    assert s[("派单", "sign_on_time")] == (2, 2)
    assert s[("退单", "return_on_time")] == (1, 1)         # T5's request at 10:00:01 is after now
    assert s[("退单", "return_accuracy")] == (0, 0)        # decision at 12:00 is after now
    assert s[("派单", "urges")][0] == 1 and s[("质检", "reviews")][0] == 0


def test_worst_delays_known_answers(db):
    """Late first signs and dispatches done in the window and by now: T3 (紧急, dispatched 11:31
    against 11:30, P02) and T2 (signed 10:30:01 against 10:30:00, P01: 0 whole minutes)."""
    def rows(start, end, now):
        with db.connect() as conn:
            df = standup.worst_delays(conn, start=start, end=end, now=now)
        return [(r.kind, r.ticket_no, r.staff_no, r.done_at, r.overrun_minutes) for r in df.itertuples()]

    assert rows(datetime(2026, 1, 5), datetime(2026, 1, 6), AT) == [
        ("派单超时", "T3", "P02", datetime(2026, 1, 5, 11, 31), 1),
        ("签收超时", "T2", "P01", datetime(2026, 1, 5, 10, 30, 1), 0)]
    # the dispatch at 11:31 is after `now`, and outside a window ending at 11:31 (end exclusive)
    assert [r[1] for r in rows(datetime(2026, 1, 5), datetime(2026, 1, 6), datetime(2026, 1, 5, 11, 30, 59))] == ["T2"]
    assert [r[1] for r in rows(datetime(2026, 1, 5, 10), datetime(2026, 1, 5, 11, 31), AT)] == ["T2"]
    assert rows(datetime(2026, 1, 6), datetime(2026, 1, 7), AT) == []


def test_act_today_at_fixture_now(db):
    with db.connect() as conn:
        counts = standup.act_today_counts(conn, now=NOW)
        act = standup.act_today(conn, now=NOW)
    assert counts["超期"] == 6
    assert set(act["ticket_no"]) == {"T1", "T2", "T3", "T4", "T7", "T8"}
    assert set(act["reason"]) == {"超期"}


def test_actions_carry_over_until_done(db):
    with db.connect() as conn:
        day = standup.actions_for(conn, day=DAY)
        next_day = standup.actions_for(conn, day=date(2026, 1, 7))
    assert list(day["owner"]) == ["张主管", "王组长"]
    assert list(day["carried_over"]) == [True, False]
    assert list(next_day["owner"]) == ["张主管", "王组长"]


def test_action_writes_recheck_role_and_input(db):
    with db.begin() as conn:
        with pytest.raises(sa_.ActionError, match="无权"):
            sa_.add(conn, role="leader", username="x", owner="a", text="b", due=None, created_on=DAY)
        with pytest.raises(sa_.ActionError, match="责任人"):
            sa_.add(conn, role="manager", username="x", owner=" ", text="b", due=None, created_on=DAY)
        with pytest.raises(sa_.ActionError, match="状态"):
            first = int(standup.actions_for(conn, day=DAY)["id"].iloc[0])
            sa_.update(conn, role="manager", username="x", action_id=first, status="搁置")


def test_workbook_matches_hand_counts(db):
    with db.connect() as conn:
        data = build_standup_workbook(conn, DAY, AT)
    wb = load_workbook(io.BytesIO(data))
    assert tuple(wb.sheetnames) == SHEETS
    ws = wb["昨日概况"]
    head = [c.value for c in ws[1]]
    assert head[:7] == ["组别", "指标", "数量", "分母", "实际", "目标", "结果"]
    rows = {(r[0], r[1]): r for r in ws.iter_rows(min_row=2, max_row=20, values_only=True) if r[0]}
    sign = rows[("派单", "签收及时率")]
    assert sign[2:5] == (2, 3, pytest.approx(0.6667)) and sign[5] == pytest.approx(0.99) and sign[6] == "样本不足"   # 3 items: no verdict under 30
    assert rows[("派单", "派单准确率")][2:4] == (2, 3)
    assert ws.cell(2, 5).number_format == "0.00%"
    assert ws.freeze_panes == "A2" and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    shift = {(r[0], r[1]): r for r in wb["当班"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert shift[("派单", "签收及时率")][2:5] == (2, 2, 1)
    actions = list(wb["行动项"].iter_rows(min_row=2, values_only=True))
    assert [a[2] for a in actions] == ["张主管", "王组长"]
    people = wb["人员明细"]
    hp = [c.value for c in people[1]]
    by_no = {r[1]: dict(zip(hp, r, strict=True)) for r in people.iter_rows(min_row=2, values_only=True)}
    p1, p2 = by_no["P01"], by_no["P02"]
    assert (p1["业务量"], p1["及时"], p1["判定"], p1["差错"], p1["计划班次"], p1["到岗班次"]) == (1, 1, 1, 1, 1, 1)
    assert (p2["业务量"], p2["及时"], p2["判定"], p2["及时率"]) == (2, 1, 2, pytest.approx(0.5))
    assert p1["排名"] == "样本不足"
    assert by_no["A01"]["及时"] == 1 and by_no["A01"]["判定"] == 1   # RPT1 due 5 Jan, on time
    todo = wb["待办工单"]
    assert [c.value for c in todo[1]][:2] == ["工单编号", "关注原因"]


def test_pack_read_concurrently_is_the_pack_read_in_turn(db):
    """The page reads the pack's five parts at the same time on their own connections."""
    with db.connect() as conn:
        serial = standup_pack(conn, day=DAY, now=AT)
        parallel = standup_pack(conn, day=DAY, now=AT, engine=db)
    for f in fields(serial):
        a, b = getattr(serial, f.name), getattr(parallel, f.name)
        if hasattr(a, "equals"):
            assert a.equals(b), f.name
        else:
            assert a == b, f.name
    assert int(serial.people["业务量"].sum()) > 0 and len(serial.worst_delays) == 2


def test_verdict_only_on_thirty_items():
    """A shift line is judged only on MIN_VERDICT_ITEMS (30) items: the night shift's 16 signs are
    「样本不足」 whatever their share, 29 too; 30 with 28 on time (93.33 % < 99 %) is 未达标,
    30 on time of 30 达标."""
    import pandas as pd

    from dashboard.services.reports.standup import with_targets
    from domain.evidence import MIN_VERDICT_ITEMS
    from domain.rules import Rules

    assert MIN_VERDICT_ITEMS == 30
    rows = [("派单", "sign_on_time", "签收及时率", num, den, "sign_on_time_rate", False)
            for num, den in ((10, 16), (16, 16), (20, 29), (28, 30), (30, 30))]
    measures = pd.DataFrame(rows, columns=standup.GROUP_MEASURES_COLUMNS)
    got = with_targets(measures, Rules.default())
    assert list(got["结果"]) == ["样本不足", "样本不足", "样本不足", "未达标", "达标"]
    assert list(got["分母"]) == [16, 16, 29, 30, 30]


LEADS = [("S01", "周主管", "业务主管"), ("S02", "吴主管", "业务主管"), ("M01", "冯经理", "项目经理"),
         ("M02", "前经理", "项目经理")]


@pytest.fixture
def leads_db(db):
    from queries.schema import shifts, staff

    with db.begin() as conn:
        conn.execute(staff.insert(), [{"staff_no": s, "name": n, "role": r, "hired_on": date(2025, 1, 1),
                                       "left_on": date(2026, 1, 1) if s == "M02" else None} for s, n, r in LEADS])
        conn.execute(shifts.insert(), [
            {"staff_no": "S01", "day": date(2026, 1, 5), "shift": "早班", "present": False},
            {"staff_no": "S02", "day": date(2026, 1, 5), "shift": "早班", "present": True},
            {"staff_no": "S01", "day": date(2026, 1, 5), "shift": "中班", "present": False},
            {"staff_no": "S02", "day": date(2026, 1, 6), "shift": "夜班", "present": True}])
    return db


def test_duty_leads_and_misses_with_owner(leads_db):
    """The roster of 5 Jan: 早班 S01 absent and S02 present, 中班 S01 planned but absent, no 夜班
    lead; 冯经理 employed, 前经理 left on 1 Jan. Each 未达标 line gets its owner; 样本不足 and
    达标 lines are not misses."""
    import pandas as pd

    from dashboard.services.reports.standup import MISS_COLUMNS, misses_with_owner

    with leads_db.connect() as conn:
        leads = standup.duty_leads(conn, day=date(2026, 1, 5))
    assert [(r.shift, r.staff_no, r.present) for r in leads.itertuples()] == [
        ("", "M01", True), ("中班", "S01", False), ("早班", "S01", False), ("早班", "S02", True)]

    def groups(*verdicts):
        return pd.DataFrame([{"组别": "派单", "指标": f"指标{i}", "数量": 1, "分母": 40, "实际": None, "目标": None,
                              "结果": v} for i, v in enumerate(verdicts)])

    misses = misses_with_owner(groups("未达标", "达标"), {"夜班": groups("未达标"), "早班": groups("样本不足", "未达标"),
                                                       "中班": groups("未达标")}, leads)
    assert list(misses.columns) == MISS_COLUMNS
    assert [(r.班次, r.指标, r.跟进人) for r in misses.itertuples()] == [
        ("全天", "指标0", "冯经理"), ("夜班", "指标0", "未排班"), ("早班", "指标1", "吴主管"), ("中班", "指标0", "周主管")]


def test_pack_misses_come_from_the_roster(leads_db):
    """The pack's 未达标 list reads the roster of the stand-up's yesterday (the fixture's few items
    give no verdict, so there is no miss), and the workbook carries the same table."""
    with leads_db.connect() as conn:
        pack = standup_pack(conn, day=DAY, now=AT)
        wb = load_workbook(io.BytesIO(build_standup_workbook(conn, DAY, AT)))
    assert pack.misses.empty
    titles = [r[0] for r in wb["昨日概况"].iter_rows(values_only=True) if r and r[0]]
    assert "昨日未达标及跟进人（全天与分班次）" in titles


def test_each_tile_list_is_what_the_tile_counts(db):
    """A tile counts a ticket under every reason it meets; its list holds exactly those tickets."""
    with db.connect() as conn:
        counts = standup.act_today_counts(conn, now=NOW)
        lists = {r: standup.reason_list(conn, now=NOW, reason=r) for r in standup.REASONS}
        capped = standup.reason_list(conn, now=NOW, reason="超期", limit=2)
    assert {r: len(df) for r, df in lists.items()} == counts
    assert sorted(lists["超期"]["ticket_no"]) == ["T1", "T2", "T3", "T4", "T7", "T8"]
    assert list(capped["ticket_no"]) == list(lists["超期"]["ticket_no"][:2])   # earliest deadline first
