"""工作日志 / 交接班: per group and shift, what the group did (its stand-up measures over the shift, from
the events), the open items handed over at the shift's end (overdue, at risk, pending return review
and QC), and the shift lead's note, acknowledged by the next shift's lead. Notes and
acknowledgements are written by managers and supervisors only (checked here and audited); the
note is kept and shown verbatim, as text."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services import audit
from dashboard.services.ledgers.guard import LedgerError, require_writer, required_text
from dashboard.services.reports.content import Section
from dashboard.services.rules_store import rules_for_month
from domain.formatting import pct
from domain.ledgers import rate
from domain.staffing import shift_bounds
from domain.vocabulary import (
    GROUP_OF_ROLE,
    HANDOVER_GROUPS,
    SHIFTS_AS_LISTED,
    STAGE_AWAITING_QC,
    STAGE_RETURN_REVIEW,
)
from queries import backlog, standup
from queries.schema import shift_handovers

NOTE_LIMIT = 4000


@dataclass
class ShiftLog:
    day: date
    shift: str
    group: str
    start: datetime
    end: datetime
    now: datetime
    work: pd.DataFrame          # 工作项 · 数量 · 比率
    open_items: pd.DataFrame    # 交接事项 · 数量
    note: dict | None           # the stored handover row, or None

    def sections(self) -> list[Section]:
        n = self.note
        note_df = pd.DataFrame([[n["note"], n["written_by"], n["written_at"], n["acked_by"] or "未确认",
                                 n["acked_at"]]] if n else [["（未填写）", "", None, "", None]],
                               columns=["交接说明", "交班负责人", "填写时间", "接班确认人", "确认时间"], dtype=object)
        return [Section("工作日志", self.work, note="本班组本班次的工作量、及时率与差错（由流转记录统计）"),
                Section("交接事项", self.open_items, note="交班时点仍需跟进的工单"),
                Section("交接说明", note_df, note="交班负责人填写，接班负责人确认")]


def check_slot(shift: str, group: str) -> None:
    if shift not in SHIFTS_AS_LISTED:
        raise LedgerError(f"未知的班次：{shift}（应为 {'、'.join(SHIFTS_AS_LISTED)}）")
    if group not in HANDOVER_GROUPS:
        raise LedgerError(f"未知的班组：{group}（应为 {'、'.join(HANDOVER_GROUPS)}）")


def _note(conn: Connection, day: date, shift: str, group: str) -> dict | None:
    row = conn.execute(sa.select(shift_handovers).where(shift_handovers.c.day == day, shift_handovers.c.shift == shift,
                                                        shift_handovers.c.group_name == group)).mappings().first()
    return dict(row) if row else None


def shift_log(conn: Connection, *, day: date, shift: str, group: str, now: datetime) -> ShiftLog:
    check_slot(shift, group)
    start, end = shift_bounds(day, shift)
    cut = min(now, end)
    limits = rules_for_month(conn, f"{start:%Y-%m}").limits()
    measures = standup.group_measures(conn, start=start, end=end, now=cut, limits=limits)
    mine = measures[measures["group"] == GROUP_OF_ROLE[HANDOVER_GROUPS[group]]]
    work = pd.DataFrame([[r.label, f"{int(r.numerator):,}" if r.denominator is None or pd.isna(r.denominator) else
                          f"{int(r.numerator):,} / {int(r.denominator):,}",
                          "" if r.denominator is None or pd.isna(r.denominator) else pct(rate(r.numerator, r.denominator))]
                         for r in mine.itertuples()], columns=["工作项", "数量", "比率"], dtype=object)
    totals = backlog.backlog_totals(conn, now=cut)
    stages = backlog.backlog_by(conn, now=cut, dimension="stage")
    by_stage = dict(zip(stages["key"], stages["tickets"]))
    open_items = pd.DataFrame([["在办工单", totals["open"]], ["已超期", totals["overdue"]], ["即将超期", totals["at_risk"]],
                               ["退单审核中", int(by_stage.get(STAGE_RETURN_REVIEW, 0))],
                               ["待质检", int(by_stage.get(STAGE_AWAITING_QC, 0))]],
                              columns=["交接事项", "数量"], dtype=object)
    return ShiftLog(day, shift, group, start, end, now, work, open_items, _note_as_of(conn, day, shift, group, now))


def _note_as_of(conn: Connection, day: date, shift: str, group: str, now: datetime) -> dict | None:
    """The note as it stood at `now`: not yet written, or not yet acknowledged, before then."""
    note = _note(conn, day, shift, group)
    if note is None or note["written_at"] > now:
        return None
    if note["acked_at"] is not None and note["acked_at"] > now:
        note = dict(note, acked_at=None, acked_by=None)
    return note


def write_note(conn: Connection, *, username: str, role: str | None, day: date, shift: str, group: str, note: str,
               now: datetime) -> None:
    """The shift lead's note (new, or replacing one not yet acknowledged)."""
    require_writer(conn, username=username, role=role, target=f"handover:{day}:{shift}:{group}")
    check_slot(shift, group)
    text = required_text(note, "交接说明", NOTE_LIMIT)
    old = _note(conn, day, shift, group)
    stamp = now.replace(microsecond=0)
    if old is None:
        conn.execute(shift_handovers.insert().values(day=day, shift=shift, group_name=group, note=text,
                                                     written_at=stamp, written_by=username))
    elif old["acked_at"] is not None:
        raise LedgerError("该班次的交接已由接班负责人确认，不能再修改")
    else:
        conn.execute(shift_handovers.update().where(shift_handovers.c.id == old["id"]).values(
            note=text, written_at=stamp, written_by=username))
    audit.record(conn, username=username, action="handover_written", target=f"handover:{day}:{shift}:{group}",
                 detail=text[:500])


def acknowledge(conn: Connection, *, username: str, role: str | None, day: date, shift: str, group: str,
                now: datetime) -> None:
    """The next shift's lead confirms the handover: after the shift ended, not by the note's writer."""
    require_writer(conn, username=username, role=role, target=f"handover:{day}:{shift}:{group}")
    check_slot(shift, group)
    old = _note(conn, day, shift, group)
    if old is None:
        raise LedgerError("该班次尚未填写交接说明")
    if old["acked_at"] is not None:
        raise LedgerError(f"该交接已由 {old['acked_by']} 确认")
    if now < shift_bounds(day, shift)[1]:
        raise LedgerError("交班尚未结束，接班负责人在本班次结束后确认")
    if old["written_by"] == username:
        raise LedgerError("交接说明须由接班负责人确认，不能由填写人本人确认")
    conn.execute(shift_handovers.update().where(shift_handovers.c.id == old["id"]).values(
        acked_at=now.replace(microsecond=0), acked_by=username))
    audit.record(conn, username=username, action="handover_acknowledged", target=f"handover:{day}:{shift}:{group}")


def last_handovers(conn: Connection, *, now: datetime) -> pd.DataFrame:
    """The last handover note of each group written by `now`: 班组 · 日期 · 班次 · 交接说明 (verbatim) ·
    交班负责人 · 接班确认."""
    rows = []
    for group in HANDOVER_GROUPS:
        r = conn.execute(sa.select(shift_handovers).where(shift_handovers.c.group_name == group,
                                                          shift_handovers.c.written_at <= now)
                         .order_by(shift_handovers.c.day.desc(), shift_handovers.c.written_at.desc())
                         .limit(1)).mappings().first()
        if r is None:
            rows.append([group, None, "", "（暂无交接记录）", "", ""])
        else:
            ack = f"{r['acked_by']} {r['acked_at']:%m-%d %H:%M}" if r["acked_at"] and r["acked_at"] <= now else "未确认"
            rows.append([group, r["day"], r["shift"], r["note"], r["written_by"], ack])
    return pd.DataFrame(rows, columns=["班组", "日期", "班次", "交接说明", "交班负责人", "接班确认"], dtype=object)
