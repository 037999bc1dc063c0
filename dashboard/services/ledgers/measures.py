"""改进措施: recording a measure and its status (manager/supervisor, checked here and audited), and
the list with status, overdue state and effect — the target's rate in the weeks before the measure
started against the weeks since (domain.ledgers.measure_windows, MEASURE_EFFECT_WEEKS)."""
from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services import audit
from dashboard.services.assessment import settled_counts
from dashboard.services.ledgers.guard import LedgerError, require_writer, required_text
from dashboard.services.rules_store import rules_for_month
from domain.ledgers import PARTIAL_BEFORE_NOTE, measure_effect, measure_overdue, measure_windows, partial_before_note
from domain.rules import MEASURE_EFFECT_WEEKS
from domain.scoring import to_decimal
from domain.vocabulary import (
    INDICATOR_LABELS,
    MEASURE_STATUSES,
    MEASURE_TARGET_DEFECT,
    MEASURE_TARGET_INDICATOR,
)
from queries import assessment as assessment_queries
from queries import overview, qc_ledger
from queries.schema import qc_measures

MEASURE_COLUMNS = ["编号", "措施", "负责人", "开始日期", "完成期限", "状态", "是否逾期", "目标",
                   "措施前比率", "措施后比率", "比率变化", "效果", "说明"]


def target_label(kind: str, target: str) -> str:
    if kind == MEASURE_TARGET_INDICATOR:
        return INDICATOR_LABELS.get(target, target)
    return f"缺陷类型：{target}"


def add_measure(conn: Connection, *, username: str, role: str | None, title: str, owner: str, started_on: date,
                due_on: date, target_kind: str, target: str, now: datetime, status: str = MEASURE_STATUSES[0]) -> int:
    """Record a measure (inside the caller's transaction); returns its id."""
    require_writer(conn, username=username, role=role, target="qc_measure:new")
    title = required_text(title, "措施内容")
    owner = required_text(owner, "负责人", 64)
    target = required_text(target, "目标", 100)
    if status not in MEASURE_STATUSES:
        raise LedgerError(f"未知的状态：{status}")
    if target_kind == MEASURE_TARGET_INDICATOR and target not in INDICATOR_LABELS:
        raise LedgerError(f"未知的考核指标：{target}")
    if target_kind not in (MEASURE_TARGET_DEFECT, MEASURE_TARGET_INDICATOR):
        raise LedgerError("目标应为缺陷类型或考核指标")
    if due_on < started_on:
        raise LedgerError("完成期限不能早于开始日期")
    stamp = now.replace(microsecond=0)
    new_id = conn.execute(qc_measures.insert().values(
        title=title, owner=owner, started_on=started_on, due_on=due_on, status=status, target_kind=target_kind,
        target=target, created_at=stamp, created_by=username, updated_at=stamp, updated_by=username)
    ).inserted_primary_key[0]
    audit.record(conn, username=username, action="qc_measure_added", target=f"qc_measure:{new_id}",
                 detail=f"target={target_kind}:{target} due={due_on} status={status}")
    return int(new_id)


def set_status(conn: Connection, *, username: str, role: str | None, measure_id: int, status: str, now: datetime) -> None:
    require_writer(conn, username=username, role=role, target=f"qc_measure:{measure_id}")
    if status not in MEASURE_STATUSES:
        raise LedgerError(f"未知的状态：{status}")
    old = conn.execute(sa.select(qc_measures.c.status).where(qc_measures.c.id == measure_id)).scalar()
    if old is None:
        raise LedgerError(f"没有编号为 {measure_id} 的改进措施")
    conn.execute(qc_measures.update().where(qc_measures.c.id == measure_id).values(
        status=status, updated_at=now.replace(microsecond=0), updated_by=username))
    audit.record(conn, username=username, action="qc_measure_status", target=f"qc_measure:{measure_id}",
                 detail=f"{old} -> {status}")


class _WindowCounts:
    """The counts the measures are judged by, each window's read once: measures started the same
    day share their windows, and every defect type of a window comes from one statement."""

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn, self.now = conn, now
        self.defects: dict[tuple[datetime, datetime], tuple[dict[str, int], int]] = {}
        self.indicators: dict[tuple[datetime, datetime], dict] = {}

    def counts(self, kind: str, target: str, start: datetime, end: datetime) -> tuple[tuple[int, int], bool]:
        """(numerator, denominator) of the target over [start, end) as of `now`, and lower-is-better."""
        if kind == MEASURE_TARGET_INDICATOR:
            rules = rules_for_month(self.conn, f"{start:%Y-%m}")
            counts = self._indicators(start, end, rules)
            return tuple(counts[target]), bool(rules.indicator(target).get("lower_is_better", False))
        key = (start, end)
        if key not in self.defects:
            self.defects[key] = qc_ledger.rejects_by_defect(self.conn, start=start, end=end, now=self.now)
        by_defect, events = self.defects[key]
        return (by_defect.get(target, 0), events), True

    def _indicators(self, start: datetime, end: datetime, rules) -> dict:
        key = (start, end)
        if key not in self.indicators:
            limits, required = rules.limits(), rules.required_heads()
            # the whole days (the weeks before a measure, and a measure's days up to today): the
            # stored counts of settled days, as the assessment reads them; only today counted live
            # (counts add up over days)
            midnight = datetime.combine(end.date(), time())
            parts = []
            if start.time() == time() and midnight > start:
                parts.append(settled_counts.window(self.conn, start=start, end=midnight, now=self.now, limits=limits,
                                                   required=required))
            else:
                midnight = start
            if end > midnight:
                parts.append(assessment_queries.window_counts(self.conn, start=midnight, end=end, now=self.now,
                                                              limits=limits, required=required))
            self.indicators[key] = {k: tuple(map(sum, zip(*(p[k] for p in parts))))
                                    for k in assessment_queries.INDICATOR_KEYS}
        return self.indicators[key]


def measures_frame(conn: Connection, *, now: datetime) -> pd.DataFrame:
    """Every measure recorded by `now` (newest first) with MEASURE_COLUMNS; rates as exact decimals,
    是否逾期 是/否; 说明 says when the weeks before the measure start ahead of the first data (the
    effect then compares a shorter window: partial_before_note), else ""."""
    rows = conn.execute(sa.select(qc_measures).where(qc_measures.c.created_at <= now).order_by(qc_measures.c.started_on.desc(), qc_measures.c.id.desc())
                        ).mappings().all()
    windows = _WindowCounts(conn, now)
    first_data = overview.first_data_at(conn, now=now) if rows else None
    out = []
    for m in rows:
        before, since = measure_windows(m["started_on"], now, MEASURE_EFFECT_WEEKS)
        b, lower = windows.counts(m["target_kind"], m["target"], *before)
        s, _ = windows.counts(m["target_kind"], m["target"], *since) if since[1] > since[0] else ((0, 0), lower)
        r0, r1, change, verdict = measure_effect(b, s, lower_is_better=lower)
        out.append([m["id"], m["title"], m["owner"], m["started_on"], m["due_on"], m["status"],
                    "是" if measure_overdue(m["due_on"], m["status"], now) else "否",
                    target_label(m["target_kind"], m["target"]),
                    None if r0 is None else to_decimal(r0, 6), None if r1 is None else to_decimal(r1, 6),
                    None if change is None else to_decimal(change, 6), verdict,
                    partial_before_note(before, first_data)])
    return pd.DataFrame(out, columns=MEASURE_COLUMNS, dtype=object)


def effect_note() -> str:
    return (f"效果：目标比率在措施开始前 {MEASURE_EFFECT_WEEKS} 周与开始以来的对比；退回率、差错率越低越好；"
            f"说明为「{PARTIAL_BEFORE_NOTE}」时，措施前比率只按已有数据的天数计算")
