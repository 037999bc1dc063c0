"""The figures of the 日报/周报/月报 describe the same tickets as the counts beside them, and a period
not yet ended is compared with the same elapsed part of the previous one (SQLite and PostgreSQL,
hand-counted fixtures)."""
from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from dashboard.services.reports import content as rc
from dashboard.services.reports import periodic
from tests.support.live_fixture import event, load, ticket, ts

DAY = date(2026, 1, 15)
AFTER_DAILY_WINDOW = datetime(2026, 1, 15, 14, 0)


@pytest.fixture
def closings(engine):
    """Four closings in the 日报 window 01-14 12:00 – 01-15 12:00, two after their deadline (A1, A4);
    A2 and A5 were received in the window (A5 still open)."""
    rows = [
        ticket("A1", "2026-01-05 09:00:00", deadline_at=ts("2026-01-10 09:00:00")),
        ticket("A2", "2026-01-14 13:00:00"),
        ticket("A3", "2026-01-13 09:00:00", deadline_at=ts("2026-01-20 09:00:00")),
        ticket("A4", "2026-01-01 09:00:00", deadline_at=ts("2026-01-08 09:00:00")),
        ticket("A5", "2026-01-14 14:00:00"),
    ]
    events = [
        event("A1", "2026-01-14 15:00:00", "CLOSE"),
        event("A2", "2026-01-14 13:05:00", "SIGN"), event("A2", "2026-01-14 17:00:00", "CLOSE"),
        event("A3", "2026-01-15 10:00:00", "CLOSE"),
        event("A4", "2026-01-15 11:00:00", "CLOSE"),
    ]
    load(engine, rows, events)
    return engine


def summary_rows(data: bytes) -> dict:
    ws = load_workbook(BytesIO(data))["概况"]
    return {r[0]: r for r in ws.iter_rows(values_only=True) if r[0] is not None}


@pytest.mark.parametrize("kind", ["daily", "weekly", "monthly"])
def test_close_on_time_rate_is_over_the_closings_counted_beside_it(closings, kind):
    with closings.connect() as conn:
        data = periodic.build(conn, rc.spec_for(kind, DAY), now=AFTER_DAILY_WINDOW)
        content = rc.build_content(conn, rc.spec_for(kind, DAY), now=AFTER_DAILY_WINDOW)
    rows = summary_rows(data)
    assert rows["办结量"][1] == 4 and rows["其中超期办结"][1] == 2
    assert rows["办结按时率"][1] == pytest.approx(0.5)          # (4 − 2) / 4, not the clock's 100 %
    assert content.headline["close_on_time"] == content.headline["close_on_time"].__class__(1, 2)
    # the close clock of the tickets received in the window is a different population, named apart
    clock = {r[0]: r for r in load_workbook(BytesIO(data))["时效"].iter_rows(values_only=True) if r[0]}
    assert "办结" not in clock and "办结时限（本期接收）" in clock


@pytest.fixture
def intake(engine):
    """The 日报 window 01-14 12:00 – 01-15 12:00 seen at 01:25 on the 15th (13 h 25 min elapsed).
    Previous window, same elapsed part (01-13 12:00 – 01-14 01:25): P1, P2; P3 and P4 come later
    in that window. This window so far: C1, C2, C3 (C4 arrives after `now`)."""
    rows = [ticket(no, at) for no, at in (
        ("P1", "2026-01-13 13:00:00"), ("P2", "2026-01-13 23:00:00"), ("P3", "2026-01-14 05:00:00"),
        ("P4", "2026-01-14 10:00:00"), ("C1", "2026-01-14 13:00:00"), ("C2", "2026-01-14 20:00:00"),
        ("C3", "2026-01-15 01:00:00"), ("C4", "2026-01-15 03:00:00"))]
    load(engine, rows)
    return engine


def test_unfinished_period_is_marked_and_compared_like_for_like(intake):
    now = datetime(2026, 1, 15, 1, 25)
    spec = rc.spec_for("daily", DAY)
    with intake.connect() as conn:
        content = rc.build_content(conn, spec, now=now)
        data = periodic.render(content)
    assert content.in_progress
    assert "进行中" in content.window_text
    assert content.prev_text.startswith("2026-01-13 12:00 至 2026-01-14 01:25")
    rows = summary_rows(data)
    assert rows["受理量"][1:4] == (3, 2, 1)        # 3 against the 2 of the same 13 h 25 min, not 4
    ws = load_workbook(BytesIO(data))["概况"]
    title = " ".join(str(c.value) for row in ws.iter_rows(max_row=4) for c in row if c.value)
    assert "进行中" in title and "上期同期" in title
    # the same report once the window has ended compares whole periods
    with intake.connect() as conn:
        ended = rc.build_content(conn, spec, now=datetime(2026, 1, 15, 12, 0))
    assert not ended.in_progress and "进行中" not in ended.window_text
    assert ended.previous["received"] == 4


def test_no_percentage_change_on_a_small_base(intake):
    with intake.connect() as conn:
        content = rc.build_content(conn, rc.spec_for("daily", DAY), now=datetime(2026, 1, 15, 12, 0))
    summary = content.section("概况").frame.set_index("指标")
    assert (summary.loc["受理量", "本期"], summary.loc["受理量", "上期"]) == (4, 4)
    assert summary.loc["受理量", "环比"] is None        # base 4 < 30


@pytest.mark.parametrize(("kind", "day", "now", "received", "cut", "counts"), [
    # 周报 of the week from Monday 01-12, seen Wednesday 06:00: the previous week up to its Wednesday 06:00
    ("weekly", date(2026, 1, 15), datetime(2026, 1, 14, 6, 0),
     ["2026-01-05 10:00:00", "2026-01-07 05:59:00", "2026-01-07 06:01:00", "2026-01-11 23:00:00",
      "2026-01-12 00:00:00", "2026-01-14 05:00:00", "2026-01-14 07:00:00"],
     "2026-01-05 00:00 至 2026-01-07 06:00", (2, 2)),
    # 月报 of January seen on the 10th at 12:00: December up to its 10th, 12:00
    ("monthly", date(2026, 1, 20), datetime(2026, 1, 10, 12, 0),
     ["2025-12-01 00:00:00", "2025-12-10 11:59:00", "2025-12-10 12:01:00", "2025-12-31 23:00:00",
      "2026-01-02 08:00:00", "2026-01-10 13:00:00"],
     "2025-12-01 00:00 至 2025-12-10 12:00", (1, 2)),
    # 月报 of March seen on the 31st: more time has passed than February has, so all of February
    ("monthly", date(2026, 3, 20), datetime(2026, 3, 31, 12, 0),
     ["2026-02-01 00:00:00", "2026-02-28 23:59:00", "2026-03-05 10:00:00", "2026-03-31 11:00:00",
      "2026-03-31 13:00:00"],
     "2026-02-01 00:00 至 2026-03-01 00:00", (2, 2)),
])
def test_unfinished_week_and_month_are_compared_like_for_like(engine, kind, day, now, received, cut, counts):
    load(engine, [ticket(f"R{i}", at) for i, at in enumerate(received)])
    spec = rc.spec_for(kind, day)
    with engine.connect() as conn:
        content = rc.build_content(conn, spec, now=now)
    assert content.in_progress and "进行中" in content.window_text
    assert content.prev_text == f"{cut}（上期同期）"
    assert (content.headline["received"], content.previous["received"]) == counts
