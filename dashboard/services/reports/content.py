"""The figures of the periodic reports (日报/周报/月报/专报) as DataFrames, assembled from the
page queries. The page previews exactly these frames and dashboard.services.reports.periodic writes them,
so the screen, the workbook and the pages show the same numbers.

Windows (all [start, end), Beijing local time):
- 日报: from `window_start_hour` (default 12:00) of the previous day to that hour on D.
- 周报: the Monday–Sunday week containing D.
- 月报: the calendar month of D, or the 考核期 containing D (19th of the previous month 00:00 to
  the 18th 23:59:59, docs/three-rates.md).
- 专报: the 7 days ending D (D−6 00:00 to D+1 00:00), tickets whose category l1 or l2 is the
  chosen one.
The previous period is the window of the same kind just before. Figures are as of
`as_of` = min(now, end): what happened after the window closes does not change its report,
except the monthly 考核 estimate, which is `engine.month_result(month, now)` exactly as `kpi`.
Open backlog is ticket_facts' open tickets received by then (as the overview page counts it).

Rates are exact (Fraction) and written as Decimal to RATE_PLACES, half-up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

import pandas as pd
from sqlalchemy.engine import Connection

from dashboard.services.assessment.engine import month_result
from dashboard.services.reports import repeat_section
from dashboard.services.rules_store import rules_for_month
from domain import evidence, three_rates
from domain.formatting import pct
from domain.scoring import to_decimal
from domain.vocabulary import (
    ANALYST,
    CLOCK_SHARE_NAMES,
    CLOCKS,
    CLOSE_ON_TIME,
    DISPATCHER,
    NO_DATA,
    OPEN_STAGES,
    PERIOD_19TH,
    QC,
    REPORT_KINDS,
    RETURNER,
    STAFF_ROLES,
    VERIFIER,
)
from queries import backlog, overview, timeliness
from queries import reports as report_queries
from queries import staff as staff_queries
from queries import three_rates as three_rates_queries

RATE_PLACES = 6
KINDS = REPORT_KINDS
PERIODS = {"calendar": "自然月",
           "assessment": f"考核期（{three_rates.PERIOD_START_DAY}日–{three_rates.PERIOD_START_DAY - 1}日）"}
TOPIC_DAYS = 7
CLOCK_ORDER = tuple(CLOCKS)
CLOCK_LABELS = CLOCKS
TOP_ROWS = 15
OVERDUE_LIMIT = 500
EPS = timedelta(microseconds=1)


class ReportError(ValueError):
    """Bad report parameters (message in Chinese)."""


# --- which window ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportSpec:
    kind: str               # daily / weekly / monthly / topic
    day: date
    start: datetime         # window [start, end)
    end: datetime
    prev_start: datetime
    prev_end: datetime
    report_no: str          # the reports-table key, e.g. 日报-2026-01-15
    due_at: datetime        # when it is due (docs/assessment.md, 报表按时报送率)
    period: str = "calendar"
    category: str | None = None
    month: str | None = None  # the assessment month shown in a 月报

    @property
    def type_label(self) -> str:
        return KINDS[self.kind]

    @property
    def title(self) -> str:
        if self.kind == "topic":
            return f"{self.category}专报"
        if self.kind == "monthly":
            return "月报（考核期）" if self.period == "assessment" else "月报"
        return self.type_label

    @property
    def window_label(self) -> str:
        last = self.end - EPS
        if self.start.time() == time(0) and self.end.time() == time(0):
            return f"{self.start:%Y-%m-%d} 至 {last:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%d %H:%M} 至 {self.end:%Y-%m-%d %H:%M}"

    @property
    def prev_label(self) -> str:
        last = self.prev_end - EPS
        if self.prev_start.time() == time(0) and self.prev_end.time() == time(0):
            return f"{self.prev_start:%Y-%m-%d} 至 {last:%Y-%m-%d}"
        return f"{self.prev_start:%Y-%m-%d %H:%M} 至 {self.prev_end:%Y-%m-%d %H:%M}"


def _month_start(y: int, m: int) -> datetime:
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return datetime(y, m, 1)


def spec_for(kind: str, day: date, *, window_start_hour: int = 12, period: str = "calendar",
             category: str | None = None) -> ReportSpec:
    """The window, previous window, report number and due time of a report.

    Due times (our default, stated on the page): 日报 one hour after its window closes (13:00 on D
    by default); 周报 the Monday after the week, 12:00; 月报 the 3rd day after the period, 15:00
    (the 3rd of the next month for a calendar month, the 21st for a 考核期); 专报 12:00 the day after.
    """
    if kind not in KINDS:
        raise ReportError(f"未知的报表类型：{kind}")
    if isinstance(day, datetime):
        day = day.date()
    if kind == "daily":
        if not 0 <= int(window_start_hour) <= 23:
            raise ReportError("日报统计起点应为 0–23 点")
        end = datetime.combine(day, time(int(window_start_hour)))
        start = end - timedelta(days=1)
        return ReportSpec(kind, day, start, end, start - timedelta(days=1), start, f"日报-{day:%Y-%m-%d}",
                          end + timedelta(hours=1))
    if kind == "weekly":
        start = datetime.combine(day - timedelta(days=day.weekday()), time(0))
        end = start + timedelta(days=7)
        iso = start.isocalendar()
        return ReportSpec(kind, day, start, end, start - timedelta(days=7), start,
                          f"周报-{iso[0]}-W{iso[1]:02d}", end + timedelta(hours=12))
    if kind == "monthly":
        if period not in PERIODS:
            raise ReportError(f"月报口径应为 calendar 或 assessment，收到：{period}")
        if period == "calendar":
            start = datetime(day.year, day.month, 1)
            end = _month_start(day.year, day.month + 1)
            prev_start = _month_start(day.year, day.month - 1)
            month = f"{day:%Y-%m}"
            no = f"月报-{month}"
        else:
            # the 考核期 is the 19th–18th whatever the 三率 rules option says (that is what a 考核期 means)
            p = three_rates.period_containing(day, mode=PERIOD_19TH)
            start, end = p.start, p.end_exclusive
            prev_start = three_rates.previous_period(p, mode=PERIOD_19TH).start
            month = p.label
            no = f"月报-{month}-考核期"
        return ReportSpec(kind, day, start, end, prev_start, start, no, end + timedelta(days=2, hours=15),
                          period=period, month=month)
    category = (category or "").strip()
    if not category:
        raise ReportError("专报需要选择一个分类（一级或二级分类，例如 供暖）")
    end = datetime.combine(day + timedelta(days=1), time(0))
    start = end - timedelta(days=TOPIC_DAYS)
    return ReportSpec(kind, day, start, end, start - timedelta(days=TOPIC_DAYS), start,
                      f"专报-{category}-{day:%Y-%m-%d}", end + timedelta(hours=12), category=category)


# --- the content ----------------------------------------------------------------------------

@dataclass
class Section:
    name: str                       # sheet / tab name
    frame: pd.DataFrame             # Chinese column names
    note: str = ""
    row_formats: list[str] | None = None   # per-row formats (summary): count / rate / score
    chart: dict | None = None       # {"type": bar|line, "x": col, "y": [cols], "title": str}
    result: object | None = None    # the engine.MonthResult behind a 月度考核 section


@dataclass
class ReportContent:
    spec: ReportSpec
    now: datetime
    as_of: datetime
    headline: dict                  # this period's key figures (ints and Fractions)
    previous: dict                  # the previous period's
    sections: list[Section] = field(default_factory=list)
    assessment: object | None = None   # engine.MonthResult of a 月报

    def section(self, name: str) -> Section:
        return next(s for s in self.sections if s.name == name)

    @property
    def in_progress(self) -> bool:
        return self.now < self.spec.end

    @property
    def window_text(self) -> str:
        return period_texts(self.spec, self.now)[0]

    @property
    def prev_text(self) -> str:
        return period_texts(self.spec, self.now)[1]


def period_texts(spec: ReportSpec, now: datetime) -> tuple[str, str]:
    """(this window, the previous window as compared): a window not ended at `now` is 「进行中」 and
    is compared with the same elapsed part of the previous one."""
    cmp = evidence.like_for_like(spec.start, spec.end, spec.prev_start, spec.prev_end, now)
    if not cmp.in_progress:
        return spec.window_label, spec.prev_label
    return (f"{spec.window_label}（{evidence.IN_PROGRESS}，截至 {max(now, spec.start):%Y-%m-%d %H:%M}）",
            f"{spec.prev_start:%Y-%m-%d %H:%M} 至 {cmp.prev_cut:%Y-%m-%d %H:%M}（上期同期）")


def rate_decimal(x: Fraction | None) -> Decimal | None:
    return None if x is None else to_decimal(x, RATE_PLACES)


def _share(num: int, den: int) -> Fraction | None:
    return None if not den else Fraction(int(num), int(den))


def resolve_now(spec: ReportSpec, now: datetime | None) -> datetime:
    """`now` as given; by default the current time, but never later than the window's end, so a
    report of a closed period is the same whenever it is generated."""
    if now is not None:
        return now
    return min(datetime.now().replace(microsecond=0), spec.end)


def _cut(start: datetime, end: datetime, now: datetime) -> datetime:
    """The inclusive moment queries with an inclusive `now` see: the window's last instant at most."""
    return max(min(now, end - EPS), start)


def headline(conn: Connection, *, start: datetime, end: datetime, now: datetime,
             category: str | None = None) -> dict:
    """The key figures of a window as of min(now, end): ints and exact Fractions (None = no data)."""
    cut = _cut(start, end, now)
    rules = rules_for_month(conn, f"{start:%Y-%m}")
    limits = rules.limits()
    out: dict = {}
    if category:
        totals = report_queries.window_totals(conn, start=start, end=end, now=cut, category=category)
        out["received"], out["closed"] = totals["received"], totals["closed"]
        stages = report_queries.topic_backlog(conn, now=cut, category=category)
    else:
        daily = overview.daily_intake(conn, start=start, now=cut)
        out["received"], out["closed"] = int(daily["received"].sum()), int(daily["closed"].sum())
        stages = overview.backlog_by_stage(conn, now=cut)
    if not category:
        totals = report_queries.window_totals(conn, start=start, end=end, now=cut)
    out["closed_late"] = totals["closed_late"]
    # 办结按时率 describes the closings counted beside it: (办结量 − 其中超期办结) / 办结量
    out["close_on_time"] = _share(out["closed"] - out["closed_late"], out["closed"])
    out["open"] = int(stages["tickets"].sum())
    out["overdue"] = int(stages["overdue"].sum())
    out["at_risk"] = int(stages["at_risk"].sum())
    # every clock of timeliness.clock_rows counted in one statement (the same counts and
    # percentiles as timeliness.clock_summary / topic_clock_summary, which take one statement per clock)
    clocks = report_queries.clock_summaries(conn, CLOCK_ORDER, start=start, end=end, now=cut, limits=limits, category=category)
    for c in clocks.values():
        c["share"] = _share(c["on_time"], c["total"])
    out["clocks"] = clocks
    # the 三率 population as of the cut: the whole window once it has ended, its elapsed part before
    last = min(end - timedelta(seconds=1), cut)
    if category:
        counts = report_queries.topic_three_rate_counts(conn, start=start, end=last, category=category)
    else:
        counts = three_rates_queries.district_counts(conn, start=start, end=last)
    out["three_rates"] = three_rates.compute(counts["population"], counts["contacted"], counts["resolved"],
                                    counts["satisfied"], counts["basic_satisfied"], rules)
    out["stages"] = stages
    return out


CHANGE, RATIO = "变化", "环比"   # a summary's change (本期 − 上期) and percentage change (变化 ÷ 上期)
SUMMARY_COLUMNS = ["指标", "本期", "上期", CHANGE, RATIO]


def _summary(cur: dict, prev: dict) -> Section:
    rows, formats = [], []

    def count_row(label, a, b):
        change = None if b is None else a - b
        ratio = evidence.percent_change(a, b)
        ratio = None if ratio is None else to_decimal(ratio, RATE_PLACES)
        rows.append([label, a, b, change, ratio])
        formats.append("count")

    def rate_row(label, a: Fraction | None, b: Fraction | None, fmt="rate"):
        da, db = rate_decimal(a), rate_decimal(b)
        change = None if a is None or b is None else rate_decimal(a - b)
        rows.append([label, da, db, change, None])
        formats.append(fmt)

    count_row("受理量", cur["received"], prev["received"])
    count_row("办结量", cur["closed"], prev["closed"])
    count_row("其中超期办结", cur["closed_late"], prev["closed_late"])
    # The backlog is ticket_facts' current state (as the pages count it): at the end of an earlier
    # window it misses tickets closed since, so it is not compared with the previous period.
    count_row("期末在办", cur["open"], None)
    count_row("期末超期", cur["overdue"], None)
    count_row("期末即将超期", cur["at_risk"], None)
    for clock in CLOCK_ORDER:
        if clock == "close":
            rate_row(CLOSE_ON_TIME, cur["close_on_time"], prev["close_on_time"])
        else:
            rate_row(f"{CLOCK_LABELS[clock]}按时率", cur["clocks"][clock]["share"], prev["clocks"][clock]["share"])
    a, b = cur["three_rates"], prev["three_rates"]
    count_row("有效回访量", a.population, b.population)
    rate_row("响应率", a.response_rate, b.response_rate)
    rate_row("解决率", a.resolution_rate, b.resolution_rate)
    rate_row("满意率", a.satisfaction_rate, b.satisfaction_rate)
    ca = None if a.composite is None else to_decimal(a.composite, 2)
    cb = None if b.composite is None else to_decimal(b.composite, 2)
    rows.append(["综合成绩", ca, cb, None if ca is None or cb is None else ca - cb, None])
    formats.append("score")
    df = pd.DataFrame(rows, columns=SUMMARY_COLUMNS, dtype=object)
    return Section("概况", df, note=SUMMARY_NOTE, row_formats=formats)


SUMMARY_NOTE = (f"变化 = 本期 − 上期；率类指标的变化为{evidence.PERCENTAGE_POINTS}；环比 = 变化 ÷ 上期，"
                f"上期不足 {evidence.MIN_PERCENT_BASE} 件时不计环比。"
                f"{CLOSE_ON_TIME} = （办结量 − 其中超期办结）÷ 办结量，即本期办结的工单中未超期的比例；"
                "其他环节按时率的样本为本期开始计时的环节（见“时效”）；三率的样本为本期接收、纳入考核且有效回访的工单。"
                "期末在办按当前工单状态统计，不与上期比较")


def _clock_section(cur: dict) -> Section:
    rows = []
    for clock in CLOCK_ORDER:
        c = cur["clocks"][clock]
        p50, p90 = c.get("p50_seconds"), c.get("p90_seconds")
        rows.append([CLOCK_SHARE_NAMES[clock], c["total"], c["on_time"], c["late"], c["running"],
                     rate_decimal(c["share"]), _minutes(p50), _minutes(p90)])
    df = pd.DataFrame(rows, columns=["时限", "应考核", "按时", "超时", "计时中（不计）", "按时率",
                                     "用时中位数（分钟）", "用时P90（分钟）"], dtype=object)
    return Section("时效", df, note="样本：本期开始计时的环节（签收、派单、响应、办结按本期接收的工单，质检、协查按本期的回复、派发）；"
                                    "计时中：截至统计时点尚未完成且仍在时限内，不计入分子分母。"
                                    f"概况中的{CLOSE_ON_TIME}按本期办结的工单统计",
                   chart={"type": "bar", "x": "时限", "y": ["按时率"], "title": "各环节按时率"})


def _minutes(seconds) -> Decimal | None:
    if seconds is None or pd.isna(seconds):
        return None
    # percentile_cont may interpolate half seconds; minutes to one decimal for reading
    return (Decimal(str(seconds)) / 60).quantize(Decimal("0.1"))


def _three_rates_section(cur: dict, prev: dict, spec: ReportSpec, now: datetime) -> Section:
    rows = []
    this_window, prev_window = period_texts(spec, now)
    for label, window, r in (("本期", this_window, cur["three_rates"]),
                             ("上期", prev_window, prev["three_rates"])):
        rows.append([label, window, r.population, r.contacted, r.resolved, r.satisfied, r.basic_satisfied,
                     rate_decimal(r.response_rate), rate_decimal(r.resolution_rate),
                     rate_decimal(r.satisfaction_rate), None if r.composite is None else to_decimal(r.composite, 2)])
    df = pd.DataFrame(rows, columns=["期间", "时间范围", "有效回访", "已联系", "已解决", "满意", "基本满意",
                                     "响应率", "解决率", "满意率", "综合成绩"], dtype=object)
    return Section("三率", df, note="样本：期间内接收、纳入考核且有效回访的工单")


def _stage_section(stages: pd.DataFrame) -> Section:
    table = stages.set_index("stage").reindex(list(OPEN_STAGES), fill_value=0).reset_index()
    table.columns = ["阶段", "在办", "其中超期", "即将超期"]
    total = pd.DataFrame([["合计", int(table["在办"].sum()), int(table["其中超期"].sum()),
                           int(table["即将超期"].sum())]], columns=table.columns)
    df = pd.concat([table, total], ignore_index=True)
    return Section("在办阶段", df, chart={"type": "bar", "x": "阶段", "y": ["在办", "其中超期"],
                                         "title": "期末在办工单（按阶段）", "rows": len(table)})


def _breakdown(conn, spec: ReportSpec, cut: datetime, dimension: str, label: str, name: str) -> Section:
    wb = report_queries.window_breakdown(conn, start=spec.start, end=spec.end, now=cut, dimension=dimension,
                             category=spec.category)
    if spec.category:
        bl = report_queries.topic_backlog_by(conn, now=cut, category=spec.category, dimension=dimension)
    else:
        bl = backlog.backlog_by(conn, now=cut, dimension=dimension)
    df = wb.merge(bl.rename(columns={"tickets": "open"}), on="key", how="outer").fillna(0)
    for c in ("received", "closed", "closed_late", "open", "overdue", "at_risk"):
        df[c] = df[c].astype("int64")
    df = df.sort_values(["received", "open", "key"], ascending=[False, False, True]).reset_index(drop=True)
    df["late_share"] = [None if c == 0 else rate_decimal(Fraction(int(lt), int(c)))
                        for c, lt in zip(df["closed"], df["closed_late"])]
    df.insert(0, "rank", range(1, len(df) + 1))
    df = df[["rank", "key", "received", "closed", "closed_late", "late_share", "open", "overdue", "at_risk"]]
    df.columns = ["序号", label, "受理", "办结", "超期办结", "超期办结率", "期末在办", "期末超期", "即将超期"]
    df = df.astype({"超期办结率": object})
    chart = {"type": "bar", "x": label, "y": ["受理", "办结"], "title": f"受理与办结前{TOP_ROWS}（按{label}）",
             "rows": min(TOP_ROWS, len(df))}
    return Section(name, df, note="受理：本期接收；办结：本期办结（不论何时接收）；期末：统计时点的在办", chart=chart)


def _trend_section(conn, spec: ReportSpec, cut: datetime) -> Section:
    if spec.kind == "daily":
        heat = timeliness.intake_heatmap(conn, start=spec.start, end=spec.end, now=cut)
        by = {(int(r.weekday), int(r.hour)): int(r.tickets) for r in heat.itertuples()}
        rows, t = [], spec.start
        while t < spec.end:
            rows.append([f"{t:%m-%d %H}:00", by.get((t.weekday(), t.hour), 0)])
            t += timedelta(hours=1)
        df = pd.DataFrame(rows, columns=["时段", "受理"])
        return Section("趋势", df, chart={"type": "line", "x": "时段", "y": ["受理"], "title": "分时受理量"})
    if spec.category:
        daily = report_queries.daily_counts(conn, start=spec.start, end=spec.end, now=cut, category=spec.category)
    else:
        daily = overview.daily_intake(conn, start=spec.start, now=cut)
    days = [(spec.start + timedelta(days=k)).date() for k in range((spec.end - spec.start).days)]
    daily = daily.set_index("day").reindex(days, fill_value=0).reset_index()
    daily.columns = ["日期", "受理", "办结"]
    return Section("趋势", daily, chart={"type": "line", "x": "日期", "y": ["受理", "办结"], "title": "每日受理与办结"})


OVERDUE_HEADERS = {"ticket_no": "工单编号", "received_at": "接收时间", "deadline_at": "办结时限",
                   "stage": "阶段", "street": "街乡镇", "unit": "承办单位", "category": "一级分类",
                   "category_l2": "二级分类", "title": "标题", "seconds": "超期（小时）", "urge_count": "催办次数"}


def _overdue_section(conn, spec: ReportSpec, cut: datetime) -> Section:
    if spec.category:
        df = report_queries.topic_overdue(conn, now=cut, category=spec.category, limit=OVERDUE_LIMIT)
        df = df.rename(columns={"category_l1": "category"})
    else:
        df = backlog.attention_list(conn, now=cut, kind="overdue", limit=OVERDUE_LIMIT)
        df["seconds"] = [(Decimal(int(s)) / 3600).quantize(Decimal("0.1")) for s in df["seconds"]]
        df = df[["ticket_no", "received_at", "deadline_at", "seconds", "stage", "street", "unit", "category",
                 "urge_count"]]
    df = df.rename(columns=OVERDUE_HEADERS)
    return Section("超期工单", df, note=f"统计时点仍在办且已过办结时限的工单，按时限先后，最多 {OVERDUE_LIMIT} 条")


ROLE_WORK = {DISPATCHER: "派单", RETURNER: "退单申请", QC: "质检", VERIFIER: "协查派发", ANALYST: "应报报表"}
ROLE_ERRORS = {DISPATCHER: "wrong_dispatches", QC: "escapes", ANALYST: "reports_with_errors"}
ROLE_ERROR_LABELS = {DISPATCHER: "错派", QC: "质检漏检（市级退回）", ANALYST: "报表有误"}


def _staff_section(conn, spec: ReportSpec, cut: datetime) -> Section:
    limits = rules_for_month(conn, f"{spec.start:%Y-%m}").limits()
    rows = []
    for role in STAFF_ROLES:
        df = staff_queries.staff_performance(conn, role=role, start=spec.start, end=spec.end, now=cut, limits=limits)
        sample, num, den = staff_queries.RANK_BASIS[role]
        n, d = int(df[num].sum()), int(df[den].sum())
        err = ROLE_ERRORS.get(role)
        planned, attended = int(df["planned_shifts"].sum()), int(df["attended_shifts"].sum())
        rows.append([role, len(df), ROLE_WORK[role], int(df[sample].sum()), d, n, rate_decimal(_share(n, d)),
                     ROLE_ERROR_LABELS.get(role, "—"), int(df[err].sum()) if err else None,
                     planned, attended, rate_decimal(_share(attended, planned))])
    df = pd.DataFrame(rows, columns=["岗位", "在岗人数", "业务", "业务量", "应考核", "按时", "按时率", "差错类型",
                                     "差错数", "排班班次", "到岗班次", "到岗率"], dtype=object)
    return Section("人员", df, note="按事件上的工号归属；按时率口径同人员绩效页")


def _or_no_data(value):
    """A month without any ticket or event has no score, factor, amount or deduction."""
    return NO_DATA if value is None else value


def _assessment_section(result) -> Section:
    rows = []
    for i in result.indicators:
        rows.append([i.label, i.numerator, i.denominator, rate_decimal(i.value), rate_decimal(i.target),
                     rate_decimal(i.floor), to_decimal(i.weight, 2), to_decimal(i.points, 2),
                     to_decimal(i.points_lost, 2)])
    rows.append(["指标得分合计", None, None, None, None, None, Decimal("100.00"),
                 to_decimal(result.points_total, 2), None])
    rows.append(["加分（封顶后）", None, None, None, None, None, None, to_decimal(result.bonus, 2), None])
    rows.append(["扣分", None, None, None, None, None, None, -to_decimal(result.deductions, 2), None])
    rows.append(["月度得分", None, None, None, None, None, None, _or_no_data(result.score), None])
    rows.append(["付款系数", None, None, None, None, None, None, _or_no_data(result.payment_factor), None])
    rows.append(["应付金额（元）", None, None, None, None, None, None, _or_no_data(result.amount), None])
    rows.append(["扣减金额（元）", None, None, None, None, None, None, _or_no_data(result.deduction), None])
    df = pd.DataFrame(rows, columns=["指标", "分子", "分母", "实际值", "目标值", "底线/上限", "权重", "得分",
                                     "失分"], dtype=object)
    state = "已签认冻结" if result.frozen else f"预估（截至 {result.now:%Y-%m-%d %H:%M}）"
    return Section("月度考核", df, note=f"{result.month} 月度考核 · {state} · 与 kpi 命令同一计算")


def headline_windows(spec: ReportSpec, now: datetime | None) -> tuple[datetime, tuple, tuple]:
    """(now resolved, (start, end, cut) of this window, the same of the previous one): the
    arguments of `headline` for both windows. A headline depends on `now` only through its cut,
    so the previous window's stays the same once that window has closed."""
    now = resolve_now(spec, now)
    cmp = evidence.like_for_like(spec.start, spec.end, spec.prev_start, spec.prev_end, now)
    prev_now = cmp.prev_cut if cmp.in_progress else min(now, spec.prev_end)
    return (now, (spec.start, spec.end, _cut(spec.start, spec.end, now)),
            (spec.prev_start, spec.prev_end, _cut(spec.prev_start, spec.prev_end, prev_now)))


def section_names(spec: ReportSpec) -> list[str]:
    """The report's sections (sheets, tabs) in order."""
    names = ["概况", "趋势", "时效", "三率", "在办阶段", "分类", "街乡镇", "承办单位", "超期工单"]
    if not spec.category:
        names.append("人员")
    if spec.kind == "monthly" and spec.month:
        names.append("月度考核")
    if spec.kind == "weekly":
        names.append(repeat_section.NAME)
    return names


# sections made from the two headlines alone (no further query)
HEADLINE_SECTIONS = ("概况", "时效", "三率", "在办阶段")


def build_section(conn: Connection | None, spec: ReportSpec, name: str, *, now: datetime, cur: dict,
                  prev: dict) -> Section:
    """One section of the report as of `now` (resolved), given both windows' headlines; `conn`
    may be None for HEADLINE_SECTIONS. The 月度考核 section carries its engine.MonthResult."""
    cut = _cut(spec.start, spec.end, now)
    if name == "概况":
        return _summary(cur, prev)
    if name == "时效":
        return _clock_section(cur)
    if name == "三率":
        return _three_rates_section(cur, prev, spec, now)
    if name == "在办阶段":
        return _stage_section(cur["stages"])
    if name == "趋势":
        return _trend_section(conn, spec, cut)
    if name == "分类":
        if spec.category:
            return _breakdown(conn, spec, cut, "category_l2", "二级分类", "分类")
        return _breakdown(conn, spec, cut, "category", "一级分类", "分类")
    if name == "街乡镇":
        return _breakdown(conn, spec, cut, "street", "街乡镇", "街乡镇")
    if name == "承办单位":
        return _breakdown(conn, spec, cut, "unit", "承办单位", "承办单位")
    if name == "超期工单":
        return _overdue_section(conn, spec, cut)
    if name == "人员" and not spec.category:
        return _staff_section(conn, spec, cut)
    if name == "月度考核" and spec.kind == "monthly" and spec.month:
        result = month_result(conn, spec.month, now)
        section = _assessment_section(result)
        section.result = result
        return section
    if name == repeat_section.NAME and spec.kind == "weekly":
        frame = repeat_section.repeat_frame(conn, start=spec.start, end=spec.end, cut=cut, rate=rate_decimal)
        return Section(name, frame, note=repeat_section.note())
    raise ReportError(f"报表没有“{name}”部分")


def assemble(spec: ReportSpec, now: datetime, cur: dict, prev: dict, sections: list[Section]) -> ReportContent:
    content = ReportContent(spec, now, min(now, spec.end), cur, prev, list(sections))
    content.assessment = next((s.result for s in sections if s.result is not None), None)
    return content


def build_content(conn: Connection, spec: ReportSpec, *, now: datetime | None = None) -> ReportContent:
    """Everything a report shows, as of `now` (see the module docstring)."""
    now, (s, e, c), (ps, pe, pc) = headline_windows(spec, now)
    cur = headline(conn, start=s, end=e, now=c, category=spec.category)
    prev = headline(conn, start=ps, end=pe, now=pc, category=spec.category)
    return assemble(spec, now, cur, prev, [build_section(conn, spec, name, now=now, cur=cur, prev=prev)
                                           for name in section_names(spec)])


# --- screen rendering of the same frames -----------------------------------------------------

RATE_WORDS = ("率",)


def is_rate_column(name: str) -> bool:
    return name.endswith(RATE_WORDS) or name in ("目标值", "底线/上限", "实际值")


def display_frame(section: Section) -> pd.DataFrame:
    """The section's frame with rates as '95.12%' text (half-up), for st.dataframe."""
    df = section.frame.copy()
    if section.row_formats:
        for col in ("本期", "上期"):
            df[col] = [_fmt_cell(v, f) for v, f in zip(df[col], section.row_formats)]
        # a rate's change is in percentage points (+1.26 个百分点), a count's and a score's as they are
        df[CHANGE] = [_fmt_cell(v, "points" if f == "rate" else f) for v, f in zip(df[CHANGE], section.row_formats)]
        df[RATIO] = [_fmt_cell(v, "ratio") for v in df[RATIO]]
        return df
    for col in df.columns:
        if is_rate_column(str(col)):
            df[col] = [pct(v) if v is not None and not (isinstance(v, float) and pd.isna(v)) else "—"
                       for v in df[col]]
    return df


def _fmt_cell(v, fmt: str) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "—"
    if fmt == "rate":
        return pct(v)
    if fmt == "points":
        return evidence.points_text(v) or "—"
    if fmt == "ratio":
        return evidence.percent_change_text(v) or "—"
    if fmt == "score":
        return f"{v}"
    return f"{int(v):,}"
