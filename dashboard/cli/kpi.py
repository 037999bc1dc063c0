"""`python -m dashboard kpi --month YYYY-MM [--json] [--now TS]` (docs/cli.md, kpi)."""
from __future__ import annotations

import json
from datetime import datetime

from dashboard.cli.main import CliError, engine_for
from dashboard.services.assessment.engine import AssessmentError, check_month, kpi_json, month_result
from dashboard.services.bootstrap import init_db
from domain.calendar import UNCONFIRMED_NOTE
from domain.payment import fmt_factor
from domain.scoring import to_decimal
from domain.vocabulary import NO_DATA, NO_DATA_MEANING

NOW_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


def parse_now(text: str | None) -> datetime | None:
    if text is None:
        return None
    for fmt in NOW_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise CliError(f"--now 格式应为 \"YYYY-MM-DD HH:MM:SS\"，收到：{text!r}")


def _pct(x) -> str:
    return "—（无数据，计满分）" if x is None else f"{to_decimal(x * 100, 2):f}%"


def _rate(x) -> str:
    return "—" if x is None else f"{to_decimal(x * 100, 2):f}%"


def render_text(r) -> str:
    lines = [f"{r.month} 月度考核（第 {r.contract_month} 个合同月）"
             + ("［已签认冻结］" if r.frozen else f"  计算时点 {r.now:%Y-%m-%d %H:%M:%S}"), ""]
    if not r.calendar_confirmed:
        lines[1:1] = [UNCONFIRMED_NOTE]
    lines.append(f"{'指标':<10}\t{'分子':>6}\t{'分母':>6}\t{'实际值':>10}\t{'目标':>8}\t{'满分':>4}\t{'得分':>8}")
    for i in r.indicators:
        lines.append(f"{i.label:<10}\t{i.numerator:>6}\t{i.denominator:>6}\t{_pct(i.value):>10}\t"
                     f"{_pct(i.target):>8}\t{i.weight}\t{to_decimal(i.points, 2):>8}")
    lines.append("")
    lines.append(f"指标得分合计: {to_decimal(r.points_total, 2) if r.has_data else NO_DATA}")
    for m in r.manual_items:
        lines.append(f"  {m.item_type} {to_decimal(m.points, 2)}  {m.reason}（{m.entered_by}）")
    lines.append(f"加分: {to_decimal(r.bonus, 2)}（封顶前 {to_decimal(r.bonus_uncapped, 2)}）  "
                 f"扣分: {to_decimal(r.deductions, 2)}  一票否决: {'是' if r.veto else '否'}")
    if r.score is None or r.payment_factor is None:
        lines.append(f"考核得分: {NO_DATA}  档次: {NO_DATA}  付款系数: {NO_DATA}"
                     f"（{NO_DATA_MEANING}，不计为已考核月份）")
        lines.append(f"当月应付: {NO_DATA}  扣款: {NO_DATA}（月服务费 {r.monthly_fee} 元）")
    else:
        lines.append(f"考核得分: {r.score}  档次: {r.band}  付款系数: {fmt_factor(r.payment_factor)}"
                     + ("  需整改" if r.rectify else ""))
        lines.append(f"当月应付: {r.amount} 元  扣款: {r.deduction} 元（月服务费 {r.monthly_fee} 元）")
    t = r.three_rates
    lines.append("")
    lines.append(f"三率考评周期 {t.period_start:%Y-%m-%d} 至 {t.period_end:%Y-%m-%d}  考核工单 {t.population} 件")
    lines.append(f"响应率 {_rate(t.response_rate)}  解决率 {_rate(t.resolution_rate)}  "
                 f"满意率 {_rate(t.satisfaction_rate)}  综合成绩 "
                 f"{'—' if t.composite is None else to_decimal(t.composite, 2)}")
    return "\n".join(lines)


def run(args) -> int:
    try:
        month = check_month(args.month)
    except AssessmentError as e:
        raise CliError(str(e)) from None
    now = parse_now(args.now)

    engine = engine_for(args)
    init_db(engine)
    with engine.connect() as conn:
        result = month_result(conn, month, now)
    if args.json:
        print(json.dumps(kpi_json(result), ensure_ascii=False, indent=2))
    else:
        print(render_text(result))
    return 0

