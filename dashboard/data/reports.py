"""Cached report content, workbooks and the report log; the delivery and reconciliation calls."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from dashboard import reconcile as rc
from dashboard.data import cached, engine, write_engine
from dashboard.reports import content as rcontent
from dashboard.reports import periodic
from queries import reports as qr


def spec(kind: str, day: date, window_start_hour: int = 12, period: str = "calendar",
         category: str | None = None) -> rcontent.ReportSpec:
    return rcontent.spec_for(kind, day, window_start_hour=window_start_hour, period=period, category=category)


@cached(ttl="300s", max_entries=16, show_spinner="正在汇总报表数据…")
def report_content(kind: str, day: date, now: datetime, window_start_hour: int = 12, period: str = "calendar",
                   category: str | None = None) -> rcontent.ReportContent:
    with engine().connect() as conn:
        return rcontent.build_content(conn, spec(kind, day, window_start_hour, period, category), now=now)


@cached(keep_last=False, ttl="300s", max_entries=16, show_spinner=False)
def report_bytes(kind: str, day: date, now: datetime, window_start_hour: int = 12, period: str = "calendar",
                 category: str | None = None) -> bytes:
    return periodic.render(report_content(kind, day, now, window_start_hour, period, category))


@cached(ttl="600s", max_entries=4, show_spinner=False)
def category_options() -> list[str]:
    with engine().connect() as conn:
        return qr.category_options(conn)


@cached(ttl="60s", max_entries=16, show_spinner=False)
def report_log(start: datetime, end: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return qr.report_log(conn, start=start, end=end)


def record_delivery(s: rcontent.ReportSpec, *, username: str, role: str, now: datetime) -> dict:
    """Write the delivery row (not cached); clears the report log cache so the table shows it."""
    with write_engine().begin() as conn:
        row = periodic.record_delivery(conn, s, username=username, role=role, now=now)
    report_log.clear()
    return row


@cached(keep_last=False, ttl="300s", max_entries=8, show_spinner="正在核对台账…")
def reconcile(filename: str, data: bytes, start: date, end: date, now: datetime) -> tuple[rc.Reconciliation, bytes]:
    ledger = rc.read_ledger(filename, data)
    with engine().connect() as conn:
        result = rc.reconcile(conn, ledger, start=start, end=end)
    return result, rc.to_xlsx(result, now=now, filename=filename)
