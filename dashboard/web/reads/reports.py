"""Cached report content, workbooks and the report log; the delivery and reconciliation calls."""
from __future__ import annotations

from datetime import date, datetime

from dashboard.services import reconcile as reconciliation
from dashboard.services.reports import periodic
from dashboard.services.reports.content import (
    HEADLINE_SECTIONS,
    ReportContent,
    ReportSpec,
    Section,
    assemble,
    build_section,
    headline,
    headline_windows,
    section_names,
    spec_for,
)
from dashboard.web.reads import cached, cached_query, engine, writing
from queries import reports as report_queries

category_options = cached_query(report_queries.category_options, ttl="600s", max_entries=4)
report_log = cached_query(report_queries.report_log, ttl="60s", max_entries=16)


def spec(kind: str, day: date, window_start_hour: int = 12, period: str = "calendar",
         category: str | None = None) -> ReportSpec:
    return spec_for(kind, day, window_start_hour=window_start_hour, period=period, category=category)


@cached(ttl="300s", max_entries=32, show_spinner="正在汇总报表数据…")
def report_headline(start: datetime, end: datetime, cut: datetime, category: str | None = None) -> dict:
    """content.headline of one window as of its cut (content.headline_windows): the previous
    window's is the same question every minute once that window has closed."""
    with engine().connect() as conn:
        return headline(conn, start=start, end=end, now=cut, category=category)


def report_headlines(kind: str, day: date, now: datetime, window_start_hour: int = 12, period: str = "calendar",
                     category: str | None = None) -> ReportContent:
    """The report's key figures of both windows (no sections): what the page shows above the tabs."""
    s = spec(kind, day, window_start_hour, period, category)
    now, this, prev = headline_windows(s, now)
    return assemble(s, now, report_headline(*this, s.category), report_headline(*prev, s.category), [])


@cached(ttl="300s", max_entries=64, show_spinner="正在汇总报表数据…")
def _query_section(kind: str, day: date, now: datetime, window_start_hour: int, period: str, category: str | None,
                   name: str) -> Section:
    head = report_headlines(kind, day, now, window_start_hour, period, category)
    with engine().connect() as conn:
        return build_section(conn, head.spec, name, now=head.now, cur=head.headline, prev=head.previous)


def report_section(head: ReportContent, name: str, *, day: date, now: datetime,
                   window_start_hour: int = 12, period: str = "calendar") -> Section:
    """One section (sheet, tab) of the report whose headlines are `head` (report_headlines of the
    same arguments): those made from the headlines at once, the others read on demand (the page
    asks for the open tab only)."""
    if name in HEADLINE_SECTIONS:
        return build_section(None, head.spec, name, now=head.now, cur=head.headline, prev=head.previous)
    return _query_section(head.spec.kind, day, now, window_start_hour, period, head.spec.category, name)


def report_content(kind: str, day: date, now: datetime, window_start_hour: int = 12, period: str = "calendar",
                   category: str | None = None) -> ReportContent:
    """Everything the report shows (the same as content.build_content), from the cached parts."""
    head = report_headlines(kind, day, now, window_start_hour, period, category)
    sections = [report_section(head, n, day=day, now=now, window_start_hour=window_start_hour, period=period)
                for n in section_names(head.spec)]
    return assemble(head.spec, head.now, head.headline, head.previous, sections)


@cached(keep_last=False, ttl="300s", max_entries=16, show_spinner=False)
def report_bytes(kind: str, day: date, now: datetime, window_start_hour: int = 12, period: str = "calendar",
                 category: str | None = None) -> bytes:
    """The workbook: built when the user asks for it (the download button's callable), not on
    every page run."""
    return periodic.render(report_content(kind, day, now, window_start_hour, period, category))


def record_delivery(s: ReportSpec, *, username: str, role: str, now: datetime) -> dict:
    """Write the delivery row (not cached); clears the report log cache so the table shows it."""
    with writing() as conn:
        row = periodic.record_delivery(conn, s, username=username, role=role, now=now)
    report_log.clear()
    return row


@cached(keep_last=False, ttl="300s", max_entries=8, show_spinner="正在核对台账…")
def reconcile(filename: str, data: bytes, start: date, end: date,
              now: datetime) -> tuple[reconciliation.Reconciliation, bytes]:
    ledger = reconciliation.read_ledger(filename, data)
    with engine().connect() as conn:
        result = reconciliation.reconcile(conn, ledger, start=start, end=end)
    return result, reconciliation.to_xlsx(result, now=now, filename=filename)
