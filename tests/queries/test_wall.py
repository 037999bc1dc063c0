"""The wall's own queries on a hand-built morning (both engines): hourly profile and rising topics."""
import random
from datetime import datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from queries import backlog, overview, wall
from queries.schema import ticket_facts as tf
from queries.sql import count_if
from tests.support.live_fixture import NOW, event, load, ticket, ts


def test_hourly_profile_and_rising(engine):
    # Thursday 2026-01-15 10:30; previous Thursdays 01-08 and 01-01 (01-01 has no tickets)
    rows = [ticket("A1", "2026-01-15 09:10:00"), ticket("A2", "2026-01-15 09:50:00"),
            ticket("A3", "2026-01-15 10:29:00", street="新华街道", category_l1="住房"),
            ticket("A4", "2026-01-15 10:31:00"),                     # after now
            ticket("P1", "2026-01-08 09:05:00"), ticket("P2", "2026-01-08 14:00:00"),
            ticket("P3", "2026-01-14 09:00:00", street="新华街道")]
    load(engine, rows)
    with engine.connect() as conn:
        hp = wall.hourly_profile(conn, now=NOW)
        streets = wall.rising(conn, now=NOW, dimension="street")
        cats = wall.rising(conn, now=NOW, dimension="category")
    assert hp.loc[9, "today"] == 2 and hp.loc[10, "today"] == 1 and hp.loc[0, "today"] == 0
    assert pd.isna(hp.loc[11, "today"])
    assert hp.loc[9, "typical"] == 1.0 and hp.loc[14, "typical"] == 1.0 and hp.loc[10, "typical"] == 0.0
    # usual = same 00:00–10:30 window over the previous 7 days / 7: 中仓 had P1, 新华 had P3
    assert streets["key"].tolist() == ["中仓街道", "新华街道"]
    assert streets["today"].tolist() == [2, 1]
    assert streets["usual"].tolist() == pytest.approx([1 / 7, 1 / 7])
    assert set(cats["key"]) == {"城乡建设", "住房"}


def test_above_normal_needs_volume_and_significance(engine):
    """Thursday 10:30. Over the same 00:00–10:30 of the 7 days before: 西集镇 1 a day, 宋庄镇 10 a day,
    others none. Today 西集镇 12 (z = 11: flagged), 宋庄镇 15 (z ≈ 1.6: noise), 漷县镇 9 (under the
    minimum), 永顺镇 1 (a single ticket: never)."""
    rows = []
    for k in range(1, 8):
        day = f"2026-01-{15 - k:02d}"
        rows.append(ticket(f"X{k}", f"{day} 08:00:00", street="西集镇"))
        rows += [ticket(f"Y{k}-{i}", f"{day} 09:{i:02d}:00", street="宋庄镇") for i in range(10)]
    for street, n in (("西集镇", 12), ("宋庄镇", 15), ("漷县镇", 9), ("永顺镇", 1)):
        rows += [ticket(f"T-{street}-{i}", f"2026-01-15 10:{i:02d}:00", street=street) for i in range(n)]
    load(engine, rows)
    with engine.connect() as conn:
        flagged = wall.above_normal(conn, now=NOW, dimension="street")
        rising = wall.rising(conn, now=NOW, dimension="street", top=10)
    assert set(rising["key"]) == {"西集镇", "宋庄镇", "漷县镇", "永顺镇"}
    assert flagged["key"].tolist() == ["西集镇"]
    assert flagged["today"].tolist() == [12] and flagged["z"].tolist() == pytest.approx([11.0])


def _backlog_morning(engine):
    """Thursday 10:30. A overdue since 01-13 12:00; B at risk on 01-14 00:00, closed 01-14 18:00;
    C received 01-14, overdue since 09:00 today; D returned 01-14 12:00; E, E2 urgent in time;
    F after now; G closed long ago; H urgent but closed."""
    rows = [ticket("A", "2026-01-10 08:00:00", deadline_at=ts("2026-01-13 12:00:00"), street="宋庄镇", unit="区城管委"),
            ticket("B", "2026-01-10 08:00:00", deadline_at=ts("2026-01-14 12:00:00")),
            ticket("C", "2026-01-14 09:00:00", deadline_at=ts("2026-01-15 09:00:00"), category_l1="住房"),
            ticket("D", "2026-01-13 09:00:00", deadline_at=ts("2026-01-20 09:00:00")),
            ticket("E", "2026-01-15 10:00:00", deadline_at=ts("2026-01-15 12:00:00"), urgency="紧急"),
            ticket("E2", "2026-01-15 09:00:00", deadline_at=ts("2026-01-15 20:00:00"), urgency="紧急"),
            ticket("F", "2026-01-15 10:31:00", deadline_at=ts("2026-01-15 10:40:00"), urgency="紧急"),
            ticket("G", "2026-01-11 08:00:00", deadline_at=ts("2026-01-12 08:00:00")),
            ticket("H", "2026-01-15 08:00:00", deadline_at=ts("2026-01-15 09:00:00"), urgency="紧急")]
    events = [event("B", "2026-01-14 18:00:00", "CLOSE"), event("D", "2026-01-14 12:00:00", "RETURN_APPROVED"),
              event("G", "2026-01-12 07:00:00", "CLOSE"), event("H", "2026-01-15 08:30:00", "CLOSE")]
    load(engine, rows, events)


def test_backlog_snapshots_end_on_the_tiles_figures(engine):
    _backlog_morning(engine)
    with engine.connect() as conn:
        snaps = wall.backlog_snapshots(conn, now=NOW, days=3)
        totals = backlog.backlog_totals(conn, now=NOW)
    assert snaps["at"].tolist() == [ts("2026-01-14 00:00:00"), ts("2026-01-15 00:00:00"), NOW]
    assert snaps["open"].tolist() == [3, 2, 4]          # A B D · A C · A C E E2 (F not yet received)
    assert snaps["overdue"].tolist() == [1, 1, 2]       # A · A · A C
    assert snaps["at_risk"].tolist() == [1, 0, 0]       # B (from 01-13 16:00) · none · none
    last = snaps.iloc[-1]
    assert {k: int(last[k]) for k in ("open", "overdue", "at_risk")} == totals
    with engine.connect() as conn:
        assert len(wall.backlog_snapshots(conn, now=NOW)) == wall.SNAPSHOT_DAYS


def test_running_intake_ends_on_todays_intake(engine):
    rows = [ticket("A1", "2026-01-15 00:10:00"), ticket("A2", "2026-01-15 09:50:00"),
            ticket("A3", "2026-01-15 10:29:00"), ticket("A4", "2026-01-15 10:31:00")]
    load(engine, rows)
    with engine.connect() as conn:
        running = wall.running_intake(wall.hourly_profile(conn, now=NOW))
        today = overview.intake_vs_weekday(conn, now=NOW)["today"]
    assert running == [1] * 9 + [2, 3]                  # hours 0–10; 10 is still running: no dip
    assert running[-1] == today == 3


def test_urgent_ticker_overdue_first_then_urgent_newest(engine):
    _backlog_morning(engine)
    with engine.connect() as conn:
        tick = wall.urgent_ticker(conn, now=NOW)
        two = wall.urgent_ticker(conn, now=NOW, limit=2)
    assert tick["ticket_no"].tolist() == ["A", "C", "E", "E2"]
    assert tick["overdue"].tolist() == [True, True, False, False]
    assert tick["seconds"].tolist() == [46 * 3600 + 1800, 5400, 5400, 9 * 3600 + 1800]
    assert tick.iloc[0][["street", "unit", "category"]].tolist() == ["宋庄镇", "区城管委", "城乡建设"]
    assert two["ticket_no"].tolist() == ["A", "C"]
    assert not {"title", "content", "caller_hash", "caller_last4"} & set(tick.columns)


def _snapshots_one_condition_per_midnight(conn, now, days):
    """The trend as the definition reads: every figure at every moment its own condition over the
    tickets (wall._open_at at the midnights, backlog's conditions at `now`)."""
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    moments = [t for t in (day_start - timedelta(days=k) for k in range(days - 2, -1, -1)) if t < now] + [now]
    out = []
    for t in moments:
        opened = sa.and_(tf.c.is_open, tf.c.received_at <= t) if t == now else wall._open_at(t)
        row = conn.execute(sa.select(count_if(opened), count_if(sa.and_(opened, tf.c.deadline_at < t)),
                                     count_if(sa.and_(opened, tf.c.at_risk_at <= t, tf.c.deadline_at >= t)))).one()
        out.append([t, *(int(x or 0) for x in row)])
    return out


def test_backlog_trend_at_midnights_edges_on_the_second(engine):
    # receipts, deadlines, at-risk times, closes and returns on a midnight, a second before and a
    # second after it, tickets open since before the window, closed then reopened, closed with a
    # return time before or after the close: the runs of midnights counted per ticket equal each
    # moment's own condition
    rnd = random.Random(7)
    base = datetime(2026, 1, 1)
    rows, events = [], []

    def moment(day: int) -> datetime:
        return base + timedelta(days=day, seconds=rnd.choice([0, 0, -1, 1, 3600 * rnd.randrange(1, 24)]))

    for i in range(160):
        no = f"W{i:03d}"
        received = moment(rnd.randrange(-6, 16))
        deadline = max(received + timedelta(seconds=1), moment(rnd.randrange(-4, 20)))
        rows.append(ticket(no, received.isoformat(sep=" "), deadline_at=deadline, sla_class=rnd.choice(["一般", "及时"])))
        ends = rnd.random()
        first = max(received + timedelta(seconds=1), moment(rnd.randrange(-3, 17)))
        if ends < 0.35:
            events.append(event(no, first.isoformat(sep=" "), "CLOSE"))
        elif ends < 0.5:
            events.append(event(no, first.isoformat(sep=" "), "RETURN_APPROVED"))
        elif ends < 0.6:
            events.append(event(no, first.isoformat(sep=" "), "CLOSE"))
            events.append(event(no, (first + timedelta(days=rnd.randrange(0, 3))).isoformat(sep=" "), "REOPEN"))
    load(engine, rows, events)
    # the lifecycle never leaves a ticket both closed and returned; the trend takes the later of the
    # two as its end all the same, as _open_at does: a few closed tickets given a return time too
    with engine.begin() as conn:
        closed = conn.execute(sa.select(tf.c.ticket_no, tf.c.closed_at)
                              .where(sa.not_(tf.c.is_open), tf.c.closed_at.is_not(None))
                              .order_by(tf.c.ticket_no)).all()
        for no, closed_at in closed[::3]:
            returned = closed_at + timedelta(seconds=rnd.choice([-86400, -1, 0, 1, 86400, 3 * 86400]))
            conn.execute(tf.update().where(tf.c.ticket_no == no).values(return_approved_at=returned))
    with engine.connect() as conn:
        for now, days in ((datetime(2026, 1, 12, 10, 30), 14), (datetime(2026, 1, 12), 14),
                          (datetime(2026, 1, 12, 0, 0, 1), 5), (datetime(2026, 1, 20, 23, 59, 59), 3)):
            got = wall.backlog_snapshots(conn, now=now, days=days)
            want = _snapshots_one_condition_per_midnight(conn, now, days)
            assert got.values.tolist() == want, now
            assert sum(r[1] for r in want) > 0
