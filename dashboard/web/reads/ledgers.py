"""Cached reads of the ledgers and QC reports (docs/ledgers.md), and their writes (each in reads.writing())."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa

from dashboard.services.ledgers import handover, measures, qc_reports, special, workbooks
from dashboard.services.ledgers.qc_reports import QcReport
from dashboard.web.reads import cached, engine, fresh, writing
from dashboard.web.reads import standup as standup_reads
from queries import qc_ledger
from queries import special_ledger as special_queries
from queries.schema import staff


@cached(ttl="120s", max_entries=32, show_spinner="正在读取质检台账…")
def qc_ledger_rows(start: datetime, end: datetime, now: datetime, staff_no: str | None, unit: str | None,
                   action: str | None, defect: str | None, limit: int | None = 5000) -> pd.DataFrame:
    with engine().connect() as conn:
        return qc_reports.ledger_frame(conn, start=start, end=end, now=now, staff_no=staff_no, unit=unit,
                                       action=action, defect=defect, limit=limit)


@cached(ttl="120s", max_entries=32, show_spinner=False)
def qc_filter_options(start: datetime, end: datetime, now: datetime) -> dict[str, list[str]]:
    """The specialists, units and defect types that occur in the window (for the filters)."""
    with engine().connect() as conn:
        limit = qc_reports.qc_limit_for(conn, start)
        out = {d: sorted(k for k in qc_ledger.qc_groups(conn, dimension=d, start=start, end=end, now=now,
                                                         qc_limit=limit)["key"] if k)
               for d in qc_ledger.DIMENSIONS}
    return out


@cached(ttl="300s", max_entries=16, show_spinner=False)
def staff_names() -> dict[str, str]:
    with engine().connect() as conn:
        return {r.staff_no: r.name or "" for r in conn.execute(sa.select(staff.c.staff_no, staff.c.name))}


@cached(ttl="120s", max_entries=16, show_spinner="正在汇总质检报表…")
def qc_report(kind: str, day: date, now: datetime) -> QcReport:
    with engine().connect() as conn:
        return qc_reports.qc_report(conn, kind=kind, day=day, now=now)


@cached(keep_last=False, ttl="300s", max_entries=8, show_spinner=False)
def workbook(kind: str, day: date, now: datetime, shift: str | None = None, group: str | None = None) -> bytes:
    builder = {"qc-daily": workbooks.build_qc_daily, "qc-weekly": workbooks.build_qc_weekly,
               "qc-monthly": workbooks.build_qc_monthly, "qc-ledger": workbooks.build_qc_ledger,
               "special-ledger": workbooks.build_special_ledger, "handover": workbooks.build_handover}[kind]
    with engine().connect() as conn:
        return builder(conn, day=day, now=now, shift=shift, group=group)


@cached(ttl="120s", max_entries=8, show_spinner=False)
def measures_list(now: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return measures.measures_frame(conn, now=now)


@cached(ttl="120s", max_entries=16, show_spinner=False)
def special_list(kind: str, now: datetime, week: tuple[datetime, datetime] | None, limit: int = 2000) -> pd.DataFrame:
    with engine().connect() as conn:
        return special.list_frame(conn, kind=kind, now=now, week=week, limit=limit)


@fresh
def flagged_list(now: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return special.list_frame(conn, kind="flagged", now=now)


@cached(ttl="120s", max_entries=16, show_spinner=False)
def special_counts(now: datetime, week: tuple[datetime, datetime]) -> dict[str, int]:
    with engine().connect() as conn:
        return special_queries.special_counts(conn, now=now, callback_window=week)


@fresh
def shift_log(day: date, shift: str, group: str, now: datetime) -> handover.ShiftLog:
    with engine().connect() as conn:
        return handover.shift_log(conn, day=day, shift=shift, group=group, now=now)


@fresh
def last_handovers(now: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return handover.last_handovers(conn, now=now)


# --- writes (each re-checks the role in the service and is audited there) ---------------------------

def add_measure(**kwargs) -> int:
    with writing() as conn:
        new_id = measures.add_measure(conn, **kwargs)
    measures_list.clear()
    standup_reads.agenda.clear()     # the stand-up reads the measures with its pack
    return new_id


def set_measure_status(**kwargs) -> None:
    with writing() as conn:
        measures.set_status(conn, **kwargs)
    measures_list.clear()
    standup_reads.agenda.clear()


def flag_ticket(**kwargs) -> None:
    with writing() as conn:
        special.flag(conn, **kwargs)
    special_list.clear()
    special_counts.clear()


def unflag_ticket(**kwargs) -> None:
    with writing() as conn:
        special.unflag(conn, **kwargs)
    special_list.clear()
    special_counts.clear()


def write_handover(**kwargs) -> None:
    with writing() as conn:
        handover.write_note(conn, **kwargs)


def acknowledge_handover(**kwargs) -> None:
    with writing() as conn:
        handover.acknowledge(conn, **kwargs)
