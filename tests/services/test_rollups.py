"""The rollups kept at every write (dashboard.services.rollups): equal to the GROUP BY over the
tickets after a demo load, after imports, after a rebuild, and on PostgreSQL the per-day ticket
counts its triggers keep for any writer."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from dashboard.services import ingest, rollups
from dashboard.services.demo import generate
from queries import rollups as qr
from queries.schema import rollup_daily, rollup_day_totals, rollup_hourly, ticket_day_counts
from queries.schema import tickets as t
from queries.sql import day_of, hour_of
from tests.support.csv_rows import csv_bytes

END = date(2026, 1, 15)
NOW = datetime(2026, 1, 15, 10, 30)


def _demo(engine):
    generate(engine, days=6, tickets_per_day=60, seed=11, end=END, now=NOW)


def _as_day(d):
    return d if isinstance(d, date) else date.fromisoformat(str(d)[:10])


def _raw_daily(conn) -> dict:
    pop = sa.and_(t.c.in_assessment, t.c.callback_valid)

    def n(c):
        return sa.func.sum(sa.case((c, 1), else_=0))
    d = day_of(t.c.received_at)
    rows = conn.execute(sa.select(d, sa.func.coalesce(t.c.street, ""), sa.func.coalesce(t.c.unit, ""),
                                  sa.func.coalesce(t.c.category_l1, ""), sa.func.count(), n(pop),
                                  n(sa.and_(pop, t.c.contacted)), n(sa.and_(pop, t.c.resolved)),
                                  n(sa.and_(pop, t.c.satisfaction == "满意")),
                                  n(sa.and_(pop, t.c.satisfaction == "基本满意")))
                        .group_by(d, t.c.street, t.c.unit, t.c.category_l1)).all()
    return {(_as_day(r[0]), r[1], r[2], r[3]): tuple(int(x) for x in r[4:]) for r in rows}


def _rollup_daily(conn) -> dict:
    rows = conn.execute(sa.select(rollup_daily.c.day, rollup_daily.c.street, rollup_daily.c.unit,
                                  rollup_daily.c.category_l1, rollup_daily.c.received, rollup_daily.c.population,
                                  rollup_daily.c.contacted, rollup_daily.c.resolved, rollup_daily.c.satisfied,
                                  rollup_daily.c.basic_satisfied)).all()
    return {(_as_day(r[0]), r[1], r[2], r[3]): tuple(int(x) for x in r[4:]) for r in rows}


def _raw_hourly(conn) -> dict:
    d, h = day_of(t.c.received_at), hour_of(t.c.received_at)
    return {(_as_day(r[0]), int(r[1])): int(r[2]) for r in conn.execute(sa.select(d, h, sa.func.count()).group_by(d, h))}


def _rollup_hourly(conn) -> dict:
    return {(_as_day(r[0]), int(r[1])): int(r[2])
            for r in conn.execute(sa.select(rollup_hourly.c.day, rollup_hourly.c.hour, rollup_hourly.c.received))}


def _day_totals(conn) -> dict:
    return {_as_day(r[0]): tuple(int(x) for x in r[1:]) for r in conn.execute(sa.select(
        rollup_day_totals.c.day, rollup_day_totals.c.received, rollup_day_totals.c.population,
        rollup_day_totals.c.contacted, rollup_day_totals.c.resolved, rollup_day_totals.c.satisfied,
        rollup_day_totals.c.basic_satisfied))}


def _per_day(raw: dict) -> dict:
    out: dict = {}
    for (day, *_), counts in raw.items():
        out[day] = tuple(a + b for a, b in zip(out.get(day, (0,) * 6), counts, strict=True))
    return out


def _assert_equal_to_raw(engine):
    with engine.connect() as conn:
        raw, roll = _raw_daily(conn), _rollup_daily(conn)
        assert roll == raw
        assert _rollup_hourly(conn) == _raw_hourly(conn)
        assert _day_totals(conn) == _per_day(raw)
    return raw


def test_demo_load_fills_rollups_equal_to_tickets(engine):
    _demo(engine)
    raw = _assert_equal_to_raw(engine)
    assert len({k[0] for k in raw}) == 6                     # every day of the window
    assert sum(v[0] for v in raw.values()) > 300             # tickets, not an empty comparison
    assert sum(v[1] for v in raw.values()) > 0               # some 有效回访 population


def test_imports_keep_rollups_current(engine):
    _demo(engine)
    with engine.connect() as conn:
        moved, updated = conn.execute(sa.select(t.c.ticket_no).order_by(t.c.ticket_no).limit(2)).scalars().all()
        before = _raw_daily(conn)
    rows = [
        # a ticket moved to another day and street (the old day must lose it)
        {"工单编号": moved, "接收时间": "2026-01-13 08:00:00", "被反映街乡镇": "宋庄镇", "是否有效回访": "是",
         "是否联系": "是", "是否解决": "是", "满意度": "满意"},
        # a callback answer arriving later: same day, new population member
        {"工单编号": updated, "接收时间": None, "被反映街乡镇": None, "是否有效回访": "是", "是否联系": "是",
         "是否解决": "否", "满意度": "基本满意"},
        # a brand-new ticket on a day outside the demo window
        {"工单编号": "NEW-1", "接收时间": "2026-01-20 09:00:00", "被反映街乡镇": "梨园镇", "是否有效回访": "否",
         "是否联系": None, "是否解决": None, "满意度": None},
    ]
    with engine.connect() as conn:
        rec = conn.execute(sa.select(t.c.received_at, t.c.street).where(t.c.ticket_no == updated)).one()
    rows[1]["接收时间"] = rec.received_at.strftime("%Y-%m-%d %H:%M:%S")
    rows[1]["被反映街乡镇"] = rec.street
    res = ingest.run_import(engine, "tickets", "upd.csv", csv_bytes(rows), username="t")
    assert res.status == "ok", res.message
    after = _assert_equal_to_raw(engine)
    assert after != before
    assert any(k[0] == date(2026, 1, 20) and k[1] == "梨园镇" for k in after)


def test_refresh_days_and_ensure(sqlite_engine):
    _demo(sqlite_engine)
    with sqlite_engine.begin() as conn:
        conn.execute(rollup_daily.delete())
        conn.execute(rollup_hourly.delete())
        assert rollups.refresh_days(conn, [END, "2026-01-14", datetime(2026, 1, 14, 9)]) == 2
        days = {r[0] for r in _rollup_daily(conn)}
        assert days == {date(2026, 1, 14), date(2026, 1, 15)}
        rollup_daily.drop(conn)
        rollup_hourly.drop(conn)
        rollup_day_totals.drop(conn)
        assert rollups.ensure(conn) is True
        assert rollups.ensure(conn) is False
    _assert_equal_to_raw(sqlite_engine)


def _day_counts_equal_tickets(conn) -> None:
    dc = ticket_day_counts
    d = day_of(t.c.received_at)
    raw = {_as_day(r[0]): int(r[1]) for r in conn.execute(sa.select(d, sa.func.count()).group_by(d))}
    kept = {_as_day(r[0]): int(r[1]) for r in conn.execute(sa.select(dc.c.day, dc.c.tickets)) if r[1]}
    assert kept == raw


def test_ticket_day_counts_follow_every_write(pg_engine):
    """PostgreSQL keeps the tickets per day by trigger (revision 0008), for whoever writes: the
    demo's COPY, imports, raw INSERT / UPDATE / DELETE and TRUNCATE. The guard sees raw rows."""
    engine = pg_engine
    _demo(engine)
    window = dict(start=datetime(2026, 1, 10), end=datetime(2026, 1, 15))
    with engine.begin() as conn:
        _day_counts_equal_tickets(conn)
        assert qr.rollups_cover(conn, **window)
        conn.execute(t.insert(), [{"ticket_no": f"RAW-{i}", "received_at": datetime(2026, 1, 12, 8, i)}
                                  for i in range(3)])
        _day_counts_equal_tickets(conn)
        assert not qr.rollups_cover(conn, **window)       # written past dashboard.services.rollups
        conn.execute(t.update().where(t.c.ticket_no == "RAW-0").values(received_at=datetime(2026, 1, 20, 9)))
        conn.execute(t.update().where(t.c.ticket_no == "RAW-1").values(street="宋庄镇"))   # same day
        _day_counts_equal_tickets(conn)
        conn.execute(t.delete().where(t.c.ticket_no.like("RAW-%")))
        _day_counts_equal_tickets(conn)
        assert qr.rollups_cover(conn, **window)
    res = ingest.run_import(engine, "tickets", "new.csv", csv_bytes([
        {"工单编号": "NEW-9", "接收时间": "2026-01-12 10:00:00", "被反映街乡镇": "梨园镇", "是否有效回访": "否",
         "是否联系": None, "是否解决": None, "满意度": None}]), username="t")
    assert res.status == "ok", res.message
    with engine.begin() as conn:
        _day_counts_equal_tickets(conn)
        assert qr.rollups_cover(conn, **window)
        conn.exec_driver_sql("TRUNCATE tickets CASCADE")
        _day_counts_equal_tickets(conn)
