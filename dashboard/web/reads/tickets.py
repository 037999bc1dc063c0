"""Cached wrappers for the 工单查询 page: the filtered list, one ticket's details, events and clocks."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.services import calendar_days
from dashboard.services.rules_store import rules_for_month
from dashboard.services.timeline import CLOCK_COLUMNS, CLOSE_LABEL, clock_table, clocks
from dashboard.web.reads import cached, cached_query, engine
from domain.calendar import CALENDAR_UNCONFIRMED
from domain.lifecycle import ACTIONS, Event, TicketInput, close_deadline_confirmed
from queries import ticket_detail as ticket_detail_queries
from queries import tickets as ticket_queries

EXPORT_CAP = 50_000
PAGE_SIZES = (50, 100, 200)

# queries.tickets.TICKET_LIST_COLUMNS → 中文 (list and export)
LIST_LABELS = {"ticket_no": "工单编号", "received_at": "接收时间", "stage": "状态", "deadline_at": "截止时间",
               "closed_at": "办结时间", "overdue": "超期", "at_risk": "即将超期", "street": "街乡镇",
               "unit": "承办单位", "category_l1": "一级分类", "category_l2": "二级分类", "appeal_type": "诉求类型",
               "urgency": "紧急程度", "title": "标题"}
TIMELINE_LABELS = {"at": "时间", "action_label": "操作", "staff_no": "工号", "unit": "单位", "detail": "说明"}

filter_options = cached_query(ticket_detail_queries.filter_options, ttl="300s")
ticket_detail = cached_query(ticket_detail_queries.ticket_detail, ttl="60s", max_entries=64)


def _filters(f: dict) -> dict:
    return {k: v for k, v in f.items() if v not in (None, "", (), [])}


@cached(ttl="60s", max_entries=64, show_spinner=False)
def ticket_page(now: datetime, filters: tuple, limit: int, offset: int) -> tuple[pd.DataFrame, int]:
    """`filters` is a sorted tuple of (name, value) pairs of queries.tickets.ticket_list keywords."""
    with engine().connect() as conn:
        return ticket_queries.ticket_list(conn, now=now, limit=limit, offset=offset, **_filters(dict(filters)))


@cached(keep_last=False, ttl="60s", max_entries=8, show_spinner=False)
def export_frame(now: datetime, filters: tuple) -> tuple[pd.DataFrame, int]:
    """All matching rows up to EXPORT_CAP, in the list's Chinese layout, and the total count."""
    with engine().connect() as conn:
        df, total = ticket_queries.ticket_list(conn, now=now, limit=EXPORT_CAP, offset=0, **_filters(dict(filters)))
    return display_frame(df), total


def display_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.drop(columns=["is_open"]).rename(columns=LIST_LABELS)
    for col in ("超期", "即将超期"):
        out[col] = out[col].map({True: "是", False: "否"})
    for col in ("街乡镇", "承办单位", "一级分类", "二级分类", "诉求类型", "紧急程度", "标题"):
        out[col] = out[col].astype(object).where(out[col].notna(), "")
    return out[list(LIST_LABELS.values())]


@cached(ttl="60s", max_entries=64, show_spinner=False)
def ticket_timeline(ticket_no: str, now: datetime) -> pd.DataFrame:
    """TIMELINE_LABELS columns: the ticket's events up to `now`, oldest first."""
    with engine().connect() as conn:
        df = ticket_queries.ticket_timeline(conn, ticket_no, labels=ACTIONS, now=now)
    return df[list(TIMELINE_LABELS)].rename(columns=TIMELINE_LABELS)


@cached(ttl="60s", max_entries=64, show_spinner=False)
def ticket_clocks(ticket_no: str, now: datetime) -> pd.DataFrame:
    """dashboard.services.timeline's clocks of the ticket at `now` (CLOCK_COLUMNS), under the rules of its month."""
    with engine().connect() as conn:
        d = ticket_detail_queries.ticket_detail(conn, ticket_no)
        if d is None:
            return pd.DataFrame(columns=CLOCK_COLUMNS)
        events = ticket_queries.ticket_timeline(conn, ticket_no, labels=ACTIONS, now=now)
        rules = rules_for_month(conn, d["received_at"].strftime("%Y-%m"))
    ticket = TicketInput(d["ticket_no"], d["received_at"], d["urgency"] or "一般", d["sla_class"] or "一般",
                         d["imported_deadline_at"])
    evs = [Event(r.at.to_pydatetime() if hasattr(r.at, "to_pydatetime") else r.at, r.action, r.staff_no or "",
                 r.unit or "", r.detail or "") for r in events.itertuples(index=False)]
    table = pd.DataFrame(clock_table(clocks(ticket, evs, rules, now)), columns=CLOCK_COLUMNS)
    if not deadline_confirmed(ticket_no):
        close = table["时限"] == CLOSE_LABEL
        table.loc[close, "说明"] = [f"{n}；{CALENDAR_UNCONFIRMED}" if n else CALENDAR_UNCONFIRMED
                                   for n in table.loc[close, "说明"]]
    return table


@cached(ttl="300s", max_entries=64, show_spinner=False)
def deadline_confirmed(ticket_no: str) -> bool:
    """False when the ticket's working-day close deadline counted a day the calendar lacks (「日历未确认」)."""
    with engine().connect() as conn:
        d = ticket_detail_queries.ticket_detail(conn, ticket_no)
        if d is None:
            return True
        rules = rules_for_month(conn, d["received_at"].strftime("%Y-%m"))
        calendar = calendar_days.load(conn)
    ticket = TicketInput(d["ticket_no"], d["received_at"], d["urgency"] or "一般", d["sla_class"] or "一般",
                         d["imported_deadline_at"])
    return close_deadline_confirmed(ticket, rules, calendar)
