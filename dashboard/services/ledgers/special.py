"""疑难、未解决、特殊工单台账: flagging a ticket as special and unflagging it (manager/supervisor, checked
here and audited), and the ledger's lists as frames with Chinese headers."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services import audit
from dashboard.services.ledgers.guard import LedgerError, require_writer, required_text
from dashboard.services.reports.content import Section
from domain.rules import SPECIAL_HISTORY_EVENTS
from domain.vocabulary import ACTIONS, SPECIAL_FLAGGED, SPECIAL_HARD, SPECIAL_UNRESOLVED
from queries import special_ledger as q
from queries.schema import special_flags, tickets

LIST_LABELS = {"hard": SPECIAL_HARD, "unresolved": SPECIAL_UNRESOLVED, "flagged": SPECIAL_FLAGGED}
HEADERS = {"ticket_no": "工单编号", "received_at": "接收时间", "sla_class": "时限类型", "stage": "当前状态",
           "unit": "当前承办单位", "street": "街乡镇", "title": "标题", "deadline_at": "办结时限",
           "callback_at": "回访时间", "events": "流转次数", "last_event_at": "最近流转时间", "last_action": "最近操作",
           "flag_reason": "标记原因", "flagged_by": "标记人", "flagged_at": "标记时间"}
HISTORY_HEADERS = {"ticket_no": "工单编号", "at": "时间", "action": "操作", "staff_no": "工号", "unit": "单位",
                   "detail": "说明"}


def _active(conn: Connection, ticket_no: str):
    return conn.execute(sa.select(special_flags).where(special_flags.c.ticket_no == ticket_no,
                                                       special_flags.c.cleared_at.is_(None))).mappings().first()


def flag(conn: Connection, *, username: str, role: str | None, ticket_no: str, reason: str, now: datetime) -> int:
    require_writer(conn, username=username, role=role, target=f"ticket:{ticket_no}")
    ticket_no = (ticket_no or "").strip()
    reason = required_text(reason, "标记原因")
    if conn.execute(sa.select(tickets.c.ticket_no).where(tickets.c.ticket_no == ticket_no)).first() is None:
        raise LedgerError(f"没有工单 {ticket_no or '（空）'}")
    if _active(conn, ticket_no) is not None:
        raise LedgerError(f"工单 {ticket_no} 已标记为特殊工单")
    new_id = conn.execute(special_flags.insert().values(ticket_no=ticket_no, reason=reason,
                                                        flagged_at=now.replace(microsecond=0), flagged_by=username)
                          ).inserted_primary_key[0]
    audit.record(conn, username=username, action="special_flagged", target=f"ticket:{ticket_no}", detail=reason[:500])
    return int(new_id)


def unflag(conn: Connection, *, username: str, role: str | None, ticket_no: str, reason: str, now: datetime) -> None:
    require_writer(conn, username=username, role=role, target=f"ticket:{ticket_no}")
    reason = required_text(reason, "取消原因")
    row = _active(conn, ticket_no)
    if row is None:
        raise LedgerError(f"工单 {ticket_no} 没有特殊工单标记")
    conn.execute(special_flags.update().where(special_flags.c.id == row["id"]).values(
        cleared_at=now.replace(microsecond=0), cleared_by=username, clear_reason=reason))
    audit.record(conn, username=username, action="special_unflagged", target=f"ticket:{ticket_no}", detail=reason[:500])


def list_frame(conn: Connection, *, kind: str, now: datetime, week: tuple[datetime, datetime] | None = None,
               limit: int | None = None) -> pd.DataFrame:
    """One list with Chinese headers (columns that say nothing for the list left out)."""
    df = q.special_tickets(conn, kind=kind, now=now, callback_window=week if kind == "unresolved" else None,
                           limit=limit)
    drop = {"hard": ["callback_at", "flag_reason", "flagged_by", "flagged_at"],
            "unresolved": ["flag_reason", "flagged_by", "flagged_at"], "flagged": ["callback_at"]}[kind]
    df = df.drop(columns=drop)
    df["stage"] = df["stage"].fillna("")
    df["last_action"] = [ACTIONS.get(a, a or "") for a in df["last_action"]]
    return df.rename(columns=HEADERS)


def ledger_sections(conn: Connection, *, now: datetime, week: tuple[datetime, datetime]) -> list[Section]:
    """The workbook's sheets: the three lists, then the history of every ticket on them (the latest
    SPECIAL_HISTORY_EVENTS events of each; its list row counts them all)."""
    sections = []
    notes = {"hard": "统计时点仍在办、时限类型为疑难的工单",
             "unresolved": "本周回访、是否解决为否的工单",
             "flagged": "业务主管标记为特殊且尚未取消标记的工单"}
    for kind, label in LIST_LABELS.items():
        sections.append(Section(label, list_frame(conn, kind=kind, now=now, week=week), note=notes[kind]))
    hist = q.lists_history(conn, now=now, callback_window=week, per_ticket=SPECIAL_HISTORY_EVENTS)
    hist["action"] = hist["action"].map(lambda a: ACTIONS.get(a, a))
    note = (f"以上各表工单截至统计时点的流转（疑难在办、本周回访未解决、特殊标记），每张工单列最近 "
            f"{SPECIAL_HISTORY_EVENTS:,} 条；全部条数见各表的流转次数")
    sections.append(Section("流转记录", hist.rename(columns=HISTORY_HEADERS), note=note))
    return sections
