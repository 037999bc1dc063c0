"""质检日报/周报/月报 and 质检台账 as frames (Chinese column names) for the page and the workbooks.

The counts come from queries.qc_ledger (docs/ledgers.md); the QC limit is the rules version's of
the period's month, as the assessment's 质检及时率 reads it, so a month's 及时率 equals `kpi`'s.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services.ledgers.measures import effect_note
from dashboard.services.reports.content import RATE_PLACES, SUMMARY_COLUMNS, Section
from dashboard.services.rules_store import rules_for_month
from domain.ledgers import in_progress, previous_period, qc_period, rate
from domain.rules import CHANGE_MIN_BASE, QC_TOP_DEFECTS
from domain.scoring import to_decimal
from domain.vocabulary import QC_REPORT_TITLES, QC_RESULTS
from queries import qc_ledger as q
from queries.schema import staff

IN_PROGRESS = "进行中"
GROUP_LABELS = {"defect": "缺陷类型", "staff": "质检专员", "unit": "承办单位"}
LEDGER_HEADERS = ["质检时间", "工单编号", "质检专员工号", "质检专员", "承办单位", "质检结果", "缺陷类型",
                  "距回复分钟", "是否及时", "是否后续被市级退回"]


@dataclass
class QcReport:
    kind: str
    title: str
    start: datetime
    end: datetime
    now: datetime
    prev: tuple[datetime, datetime, datetime]
    totals: dict
    prev_totals: dict
    sections: list[Section] = field(default_factory=list)

    @property
    def in_progress(self) -> bool:
        return in_progress(self.end, self.now)

    @property
    def window_label(self) -> str:
        return period_label(self.kind, self.start, self.end) + (f"（{IN_PROGRESS}）" if self.in_progress else "")

    def section(self, name: str) -> Section:
        return next(s for s in self.sections if s.name == name)


def period_label(kind: str, start: datetime, end: datetime) -> str:
    if kind == "qc-daily":
        return f"{start:%Y-%m-%d}"
    if kind == "qc-monthly":
        return f"{start:%Y年%m月}"
    last = (end - pd.Timedelta(days=1)).date()
    return f"{start:%Y-%m-%d} 至 {last:%Y-%m-%d}"


def qc_limit_for(conn: Connection, start: datetime) -> int:
    return rules_for_month(conn, f"{start:%Y-%m}").limits().qc


def _dec(x: Fraction | None):
    return None if x is None else to_decimal(x, RATE_PLACES)


def _summary(cur: dict, prev: dict) -> Section:
    rows, formats = [], []

    def count_row(label, a, b):
        change = a - b
        ratio = _dec(Fraction(change, b)) if b >= CHANGE_MIN_BASE else None
        rows.append([label, a, b, change, ratio])
        formats.append("count")

    def rate_row(label, a, b):
        rows.append([label, _dec(a), _dec(b), None if a is None or b is None else _dec(a - b), None])
        formats.append("rate")

    count_row("质检量", cur["events"], prev["events"])
    count_row("退回量", cur["rejects"], prev["rejects"])
    rate_row("退回率", rate(cur["rejects"], cur["events"]), rate(prev["rejects"], prev["events"]))
    count_row("有回复可判定及时的质检量", cur["judged"], prev["judged"])
    rate_row("质检及时率", rate(cur["on_time"], cur["judged"]), rate(prev["on_time"], prev["judged"]))
    count_row("办结量", cur["closes"], prev["closes"])
    count_row("市级退回（漏检）量", cur["escapes"], prev["escapes"])
    rate_row("质检差错率", rate(cur["escapes"], cur["closes"]), rate(prev["escapes"], prev["closes"]))
    df = pd.DataFrame(rows, columns=SUMMARY_COLUMNS, dtype=object)
    note = ("质检量 = 质检通过 + 质检退回；退回率 = 退回量 ÷ 质检量；质检及时率与质检差错率的口径同月度考核；"
            "变化 = 本期 − 上期，率类为百分点；环比 = 变化 ÷ 上期（上期不足 "
            f"{CHANGE_MIN_BASE} 时不计）")
    return Section("概况", df, note=note, row_formats=formats)


def _names(conn: Connection) -> dict[str, str]:
    return {r.staff_no: r.name or "" for r in conn.execute(sa.select(staff.c.staff_no, staff.c.name))}


def _group_section(df: pd.DataFrame, dimension: str, total_events: int, names: dict[str, str]) -> Section:
    label = GROUP_LABELS[dimension]
    rows = []
    for r in df.itertuples():
        key = r.key or "（未填）"
        if dimension == "defect":
            rows.append([key, r.rejects, _dec(rate(r.rejects, total_events)), _dec(rate(r.rejects, sum(df["rejects"]))),
                         r.judged, _dec(rate(r.on_time, r.judged))])
        else:
            first = [key, names.get(r.key, "")] if dimension == "staff" else [key]
            rows.append([*first, r.events, r.rejects, _dec(rate(r.rejects, r.events)), r.judged,
                         _dec(rate(r.on_time, r.judged)), r.escapes])
    if dimension == "defect":
        cols = [label, "退回量", "退回率", "占退回比率", "可判定及时量", "质检及时率"]
        note = "退回率 = 该缺陷类型退回量 ÷ 本期质检量；未填写说明的退回记为 未注明"
        chart = {"type": "bar", "x": label, "y": ["退回率"], "title": "各缺陷类型退回率"}
    else:
        cols = ([label, "姓名"] if dimension == "staff" else [label]) + [
            "质检量", "退回量", "退回率", "可判定及时量", "质检及时率", "市级退回（漏检）量"]
        note = ("漏检按办结前最后一次质检通过的质检专员计" if dimension == "staff"
                else "承办单位 = 被质检回复的承办单位；漏检按办结前最后一次回复的承办单位计")
        chart = {"type": "bar", "x": label, "y": ["退回率"], "title": f"各{label}退回率", "rows": min(len(rows), 20)} \
            if dimension == "unit" else None
    return Section(f"按{label}", pd.DataFrame(rows, columns=cols, dtype=object), note=note, chart=chart)


def _top_defects(cur: pd.DataFrame, prev: pd.DataFrame) -> Section:
    before = dict(zip(prev["key"], prev["rejects"]))
    rows = [[i + 1, r.key, r.rejects, before.get(r.key, 0), r.rejects - before.get(r.key, 0)]
            for i, r in enumerate(cur.head(QC_TOP_DEFECTS).itertuples())]
    return Section("主要缺陷", pd.DataFrame(rows, columns=["排名", "缺陷类型", "本期退回量", "上期退回量", "变化"],
                                              dtype=object),
                   note=f"本期退回量最多的 {QC_TOP_DEFECTS} 类缺陷")


def qc_report(conn: Connection, *, kind: str, day: date, now: datetime, measures: pd.DataFrame | None = None) -> QcReport:
    """The QC daily/weekly/monthly report of the period of `kind` containing `day`, as of `now`."""
    start, end = qc_period(kind, day)
    prev = previous_period(kind, start, end, now)
    limit = qc_limit_for(conn, start)
    prev_limit = qc_limit_for(conn, prev[0])
    cur_t = q.qc_totals(conn, start=start, end=end, now=now, qc_limit=limit)
    prev_t = q.qc_totals(conn, start=prev[0], end=prev[1], now=prev[2], qc_limit=prev_limit)
    rep = QcReport(kind, QC_REPORT_TITLES[kind], start, end, now, prev, cur_t, prev_t)
    rep.sections.append(_summary(cur_t, prev_t))
    names = _names(conn)
    frames = {d: q.qc_groups(conn, dimension=d, start=start, end=end, now=now, qc_limit=limit) for d in q.DIMENSIONS}
    prev_defects = q.qc_groups(conn, dimension="defect", start=prev[0], end=prev[1], now=prev[2], qc_limit=prev_limit)
    rep.sections.append(_top_defects(frames["defect"], prev_defects))
    for d in q.DIMENSIONS:
        rep.sections.append(_group_section(frames[d], d, cur_t["events"], names))
    if measures is not None:
        rep.sections.append(Section("改进措施", measures, note=effect_note()))
    return rep


def ledger_frame(conn: Connection, *, start: datetime, end: datetime, now: datetime, staff_no: str | None = None,
                 unit: str | None = None, action: str | None = None, defect: str | None = None,
                 limit: int | None = None) -> pd.DataFrame:
    """质检台账 rows with Chinese headers (LEDGER_HEADERS)."""
    df = q.qc_ledger(conn, start=start, end=end, now=now, qc_limit=qc_limit_for(conn, start), staff_no=staff_no,
                     unit=unit, action=action, defect=defect, limit=limit)
    names = _names(conn)
    out = pd.DataFrame({
        "质检时间": df["at"], "工单编号": df["ticket_no"], "质检专员工号": df["staff_no"],
        "质检专员": [names.get(s, "") for s in df["staff_no"]], "承办单位": df["unit"],
        "质检结果": [QC_RESULTS[a] for a in df["action"]], "缺陷类型": df["defect"],
        "距回复分钟": [None if s is None or pd.isna(s) else to_decimal(Fraction(int(s), 60), 1)
                  for s in df["seconds_since_reply"]],
        "是否及时": ["无回复" if v is None or pd.isna(v) else ("是" if v else "否") for v in df["on_time"]],
        "是否后续被市级退回": ["是" if v else "否" for v in df["escaped"]],
    }, columns=LEDGER_HEADERS)
    return out
