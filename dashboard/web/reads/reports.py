"""Cached report content, workbooks and the report log; the delivery and reconciliation calls."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from dashboard.services import reconcile as rc
from dashboard.web.reads import cached, engine, write_engine
from dashboard.services.reports import content as rcontent
from dashboard.services.reports import periodic
from queries import reports as qr


def spec(kind: str, day: date, window_start_hour: int = 12, period: str = "calendar",
         category: str | None = None) -> rcontent.ReportSpec:
    return rcontent.spec_for(kind, day, window_start_hour=window_start_hour, period=period, category=category)


@cached(ttl="300s", max_entries=32, show_spinner="正在汇总报表数据…")
def report_headline(start: datetime, end: datetime, cut: datetime, category: str | None = None) -> dict:
    """content.headline of one window as of its cut (rcontent.headline_windows): the previous
    window's is the same question every minute once that window has closed."""
    with engine().connect() as conn:
        return rcontent.headline(conn, start=start, end=end, now=cut, category=category)


def section_names(s: rcontent.ReportSpec) -> list[str]:
    return rcontent.section_names(s)


def report_headlines(kind: str, day: date, now: datetime, window_start_hour: int = 12, period: str = "calendar",
                     category: str | None = None) -> rcontent.ReportContent:
    """The report's key figures of both windows (no sections): what the page shows above the tabs."""
    s = spec(kind, day, window_start_hour, period, category)
    now, this, prev = rcontent.headline_windows(s, now)
    return rcontent.assemble(s, now, report_headline(*this, s.category), report_headline(*prev, s.category), [])


@cached(ttl="300s", max_entries=64, show_spinner="正在汇总报表数据…")
def _query_section(kind: str, day: date, now: datetime, window_start_hour: int, period: str, category: str | None,
                   name: str) -> rcontent.Section:
    head = report_headlines(kind, day, now, window_start_hour, period, category)
    with engine().connect() as conn:
        return rcontent.build_section(conn, head.spec, name, now=head.now, cur=head.headline, prev=head.previous)


def report_section(head: rcontent.ReportContent, name: str, *, day: date, now: datetime,
                   window_start_hour: int = 12, period: str = "calendar") -> rcontent.Section:
    """One section (sheet, tab) of the report whose headlines are `head` (report_headlines of the
    same arguments): those made from the headlines at once, the others read on demand (the page
    asks for the open tab only)."""
    if name in rcontent.HEADLINE_SECTIONS:
        return rcontent.build_section(None, head.spec, name, now=head.now, cur=head.headline, prev=head.previous)
    return _query_section(head.spec.kind, day, now, window_start_hour, period, head.spec.category, name)


def report_content(kind: str, day: date, now: datetime, window_start_hour: int = 12, period: str = "calendar",
                   category: str | None = None) -> rcontent.ReportContent:
    """Everything the report shows (the same as content.build_content), from the cached parts."""
    head = report_headlines(kind, day, now, window_start_hour, period, category)
    sections = [report_section(head, n, day=day, now=now, window_start_hour=window_start_hour, period=period)
                for n in rcontent.section_names(head.spec)]
    return rcontent.assemble(head.spec, head.now, head.headline, head.previous, sections)


@cached(keep_last=False, ttl="300s", max_entries=16, show_spinner=False)
def report_bytes(kind: str, day: date, now: datetime, window_start_hour: int = 12, period: str = "calendar",
                 category: str | None = None) -> bytes:
    """The workbook: built when the user asks for it (the download button's callable), not on
    every page run (issue 8)."""
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
