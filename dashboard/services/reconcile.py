"""台账核对: a field ledger (Excel/CSV kept by staff) against the system, for a date range.

The upload is read by the import pipeline's reader (encodings, XLSX size and zip checks), then
each row is validated: a row without 工单编号, with an unreadable 日期 or repeating an earlier
工单编号 goes to 无效行 with its row number and reason; it never stops the check. The system side
is one query (queries.reports.ledger_system_rows); the comparison itself is pure:

- 系统缺失: ledger tickets the system does not know.
- 台账缺失: system tickets received in the range that the ledger does not list.
- 字段不一致: 日期 vs the received date; 事项 vs category l1/l2/l3 or the title; 状态 vs the system
  stage, after mapping common ledger words (已办结/办结/已完成 → 已办结, 办理中/在办 → any open
  stage, 已退回/退单 → 已退回). Blank ledger fields are not compared.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy.engine import Connection

from dashboard.services.ingest.parsing import parse_timestamps
from dashboard.services.ingest.reading import FileRefused, read_table
from dashboard.services.reports import xlsx
from domain.vocabulary import ALL_STAGES, OPEN_STAGES, STAGE_CLOSED, STAGE_RETURNED
from queries.reports import ledger_system_rows

SHEETS = ("汇总", "系统缺失", "台账缺失", "字段不一致", "无效行")
# canonical column → accepted headers (first found wins)
ALIASES = {
    "ticket_no": ("工单编号", "工单号", "编号", "ticket_no"),
    "date": ("日期", "接收日期", "接收时间", "受理日期", "受理时间", "date"),
    "matter": ("事项", "诉求事项", "问题类型", "分类", "标题", "matter"),
    "status": ("状态", "办理状态", "办结状态", "status"),
}
OPEN = "在办"
STATUS_WORDS = {
    STAGE_CLOSED: ("已办结", "办结", "已完成", "完成", "已结案", "结案", "已处理", "处理完毕", "已解决"),
    OPEN: ("办理中", "在办", "处理中", "未办结", "待办", "未完成", "跟进中", "已派单", "待处理"),
    STAGE_RETURNED: ("已退回", "退单", "已退单", "退回", "退单通过"),
}
WORD_TO_STATUS = {w: k for k, words in STATUS_WORDS.items() for w in words}
WORD_TO_STATUS.update({s: s for s in ALL_STAGES})

INVALID_COLUMNS = ["行号", "工单编号", "原因"]
MISSING_SYSTEM_COLUMNS = ["行号", "工单编号", "台账日期", "台账事项", "台账状态"]
MISSING_LEDGER_COLUMNS = ["工单编号", "接收时间", "一级分类", "二级分类", "三级分类", "标题", "系统状态"]
MISMATCH_COLUMNS = ["行号", "工单编号", "字段", "台账值", "系统值", "说明"]


class LedgerError(ValueError):
    """The ledger file as a whole cannot be used (message in Chinese)."""


@dataclass
class Ledger:
    rows: pd.DataFrame      # row (int, file row number) · ticket_no · date (datetime|None) · matter · status
    invalid: pd.DataFrame   # INVALID_COLUMNS
    columns: dict           # canonical → header used
    total_rows: int


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    for n in names:
        if n in columns:
            return n
    return None


def parse_ledger(df: pd.DataFrame) -> Ledger:
    """Validate the ledger's rows (text cells as the import reader returns them)."""
    cols = [str(c).strip() for c in df.columns]
    df = df.copy()
    df.columns = cols
    found = {k: _find(cols, names) for k, names in ALIASES.items()}
    if found["ticket_no"] is None:
        raise LedgerError("台账缺少“工单编号”列（表头第1行应包含：工单编号，可选 日期、事项、状态）")
    n = len(df)
    row_no = list(range(2, n + 2))   # the header is row 1
    text = {k: (df[c].astype(str).str.strip() if c else pd.Series([""] * n, index=df.index))
            for k, c in found.items()}
    stamps, bad_date = parse_timestamps(text["date"])
    invalid, good, seen = [], [], {}
    for i in range(n):
        no = text["ticket_no"].iloc[i]
        if not no:
            invalid.append([row_no[i], "", "缺少工单编号"])
            continue
        if bool(bad_date.iloc[i]):
            invalid.append([row_no[i], no, f"日期无法识别：{text['date'].iloc[i]}"])
            continue
        if no in seen:
            invalid.append([row_no[i], no, f"工单编号重复（与第 {seen[no]} 行相同）"])
            continue
        seen[no] = row_no[i]
        ts = stamps.iloc[i]
        good.append([row_no[i], no, None if pd.isna(ts) else ts.to_pydatetime(), text["matter"].iloc[i],
                     text["status"].iloc[i]])
    rows = pd.DataFrame(good, columns=["row", "ticket_no", "date", "matter", "status"])
    rows["date"] = rows["date"].astype(object)
    return Ledger(rows, pd.DataFrame(invalid, columns=INVALID_COLUMNS), {k: v for k, v in found.items() if v}, n)


def read_ledger(filename: str, data: bytes) -> Ledger:
    try:
        df = read_table(filename, data)
    except FileRefused as e:
        raise LedgerError(str(e)) from None
    return parse_ledger(df)


@dataclass
class Reconciliation:
    start: date
    end: date                     # inclusive
    summary: pd.DataFrame
    missing_in_system: pd.DataFrame
    missing_in_ledger: pd.DataFrame
    mismatches: pd.DataFrame
    invalid: pd.DataFrame
    counts: dict = field(default_factory=dict)

    def frames(self) -> dict[str, pd.DataFrame]:
        return dict(zip(SHEETS, (self.summary, self.missing_in_system, self.missing_in_ledger, self.mismatches,
                                 self.invalid)))


def status_of(word: str) -> str | None:
    """A ledger status word → 已办结 / 已退回 / 在办 / an open stage name; None when unknown."""
    return WORD_TO_STATUS.get(str(word).strip().replace(" ", ""))


def _status_matches(ledger_status: str, stage: str) -> bool:
    if ledger_status == OPEN:
        return stage in OPEN_STAGES
    return ledger_status == stage


def _text(v) -> str:
    """A system cell as text ('' for NULL, which pandas may hand over as NaN)."""
    return "" if v is None or (isinstance(v, float) and v != v) else str(v)


def _matter_matches(matter: str, sys: dict) -> bool:
    names = [_text(sys.get(k)) for k in ("category_l1", "category_l2", "category_l3")]
    title = _text(sys.get("title"))
    if matter in names or matter == title:
        return True
    return len(matter) >= 2 and (matter in title or any(matter in n for n in names if n))


def compare(ledger: Ledger, system: pd.DataFrame, *, start: date, end: date) -> Reconciliation:
    """Pure comparison of a validated ledger with the system rows (ledger_system_rows' frame)."""
    by_no = {r["ticket_no"]: r for r in system.to_dict("records")}
    listed = set(ledger.rows["ticket_no"])
    missing_sys, mismatches = [], []
    for r in ledger.rows.to_dict("records"):
        sys = by_no.get(r["ticket_no"])
        if sys is None:
            missing_sys.append([r["row"], r["ticket_no"], r["date"], r["matter"], r["status"]])
            continue
        received = pd.Timestamp(sys["received_at"]).to_pydatetime()
        if r["date"] is not None and r["date"].date() != received.date():
            mismatches.append([r["row"], r["ticket_no"], "日期", f"{r['date']:%Y-%m-%d}", f"{received:%Y-%m-%d %H:%M}",
                               "台账日期与系统接收日期不同"])
        if r["matter"] and not _matter_matches(r["matter"], sys):
            cats = "/".join(x for x in (_text(sys.get(k)) for k in ("category_l1", "category_l2", "category_l3")) if x)
            mismatches.append([r["row"], r["ticket_no"], "事项", r["matter"],
                               f"{cats}｜{_text(sys.get('title'))}".strip("｜"), "台账事项与系统分类、标题均不符"])
        if r["status"]:
            mapped = status_of(r["status"])
            stage = _text(sys.get("stage"))
            if mapped is None:
                mismatches.append([r["row"], r["ticket_no"], "状态", r["status"], stage,
                                   "台账状态无法识别（可用：已办结、办理中、已退回 等）"])
            elif not _status_matches(mapped, stage):
                mismatches.append([r["row"], r["ticket_no"], "状态", r["status"], stage,
                                   f"台账状态对应“{mapped}”，系统为“{stage}”"])
    missing_ledger = [[s["ticket_no"], pd.Timestamp(s["received_at"]).to_pydatetime(), _text(s["category_l1"]),
                       _text(s["category_l2"]), _text(s["category_l3"]), _text(s["title"]), _text(s["stage"])]
                      for s in system.to_dict("records") if s["in_range"] and s["ticket_no"] not in listed]
    ms = pd.DataFrame(missing_sys, columns=MISSING_SYSTEM_COLUMNS, dtype=object)
    ml = pd.DataFrame(missing_ledger, columns=MISSING_LEDGER_COLUMNS, dtype=object)
    mm = pd.DataFrame(mismatches, columns=MISMATCH_COLUMNS, dtype=object)
    system_in_range = int(system["in_range"].sum()) if len(system) else 0
    counts = {
        "ledger_rows": ledger.total_rows, "ledger_valid": len(ledger.rows), "invalid": len(ledger.invalid),
        "system_in_range": system_in_range, "matched": len(ledger.rows) - len(ms),
        "missing_in_system": len(ms), "missing_in_ledger": len(ml), "mismatched_fields": len(mm),
        "mismatched_tickets": int(mm["工单编号"].nunique()) if len(mm) else 0,
    }
    labels = [("台账行数", "ledger_rows"), ("有效行", "ledger_valid"), ("无效行", "invalid"),
              ("系统工单（范围内接收）", "system_in_range"), ("两边都有", "matched"),
              ("系统缺失（台账有、系统无）", "missing_in_system"), ("台账缺失（系统有、台账无）", "missing_in_ledger"),
              ("字段不一致（项）", "mismatched_fields"), ("字段不一致（工单数）", "mismatched_tickets")]
    summary = pd.DataFrame([[lab, counts[k]] for lab, k in labels], columns=["项目", "数量"])
    return Reconciliation(start, end, summary, ms, ml, mm, ledger.invalid.copy(), counts)


def reconcile(conn: Connection, ledger: Ledger, *, start: date, end: date) -> Reconciliation:
    """Compare a ledger with the system for tickets received from `start` to `end` (both days included)."""
    if end < start:
        raise LedgerError("核对日期范围无效：结束日期早于开始日期")
    lo = datetime(start.year, start.month, start.day)
    hi = datetime(end.year, end.month, end.day) + pd.Timedelta(days=1).to_pytimedelta()
    system = ledger_system_rows(conn, ticket_nos=list(ledger.rows["ticket_no"]), start=lo, end=hi)
    return compare(ledger, system, start=start, end=end)


def to_xlsx(result: Reconciliation, *, now: datetime, filename: str = "") -> bytes:
    """The reconciliation as a workbook: 汇总, 系统缺失, 台账缺失, 字段不一致, 无效行."""
    wb = xlsx.new_workbook(now, title="台账核对")
    notes = {
        "汇总": f"核对范围：{result.start:%Y-%m-%d} 至 {result.end:%Y-%m-%d}（按系统接收时间）"
               + (f"　台账文件：{filename}" if filename else ""),
        "系统缺失": "台账中有、系统中查无此工单编号",
        "台账缺失": "系统中在核对范围内接收、台账中未登记",
        "字段不一致": "日期对比系统接收日期；事项对比一、二、三级分类及标题；状态按常用词映射后对比系统阶段",
        "无效行": "未参与核对的台账行（行号为文件中的行，表头为第1行）",
    }
    for name, df in result.frames().items():
        ws = wb.create_sheet(name)
        xlsx.title_block(ws, f"台账核对 · {name}", [notes[name], f"生成时间：{now:%Y-%m-%d %H:%M}"],
                         max(len(df.columns), 2))
        table = xlsx.write_table(ws, df, total_label=None)
        xlsx.set_widths(ws, df)
        xlsx.freeze_below(ws, table)
        xlsx.print_setup(ws, table, landscape=len(df.columns) > 4, footer="台账核对")
    return xlsx.save(wb, now)


def template_csv() -> bytes:
    """A blank ledger template users can fill in."""
    buf = io.StringIO()
    pd.DataFrame(columns=["工单编号", "日期", "事项", "状态"]).to_csv(buf, index=False)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
