"""The wall tiles' small trend lines (st.metric chart_data), oldest point first. Each line ends on
its tile's own figure, so the line and the number never disagree; the points before it are whole
periods or moments, never a period still running (whose dip would read as a collapse):

- 超期 / 即将超期 / 在办积压: the backlog at each of the last day-ends (queries.wall.backlog_snapshots), then now;
- 今日受理: the running total at the end of each hour today (queries.wall.running_intake), then now;
- 三率 and 综合成绩: the previous assessment periods, then the current period so far (the tile);
- 本月考核预估分: the previous contract months' scores, then this month's estimate (the tile).

A line needs two points: with no earlier period there is none (no empty box).
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.web import live
from dashboard.web.reads import wall as wall_data
from queries.wall import SNAPSHOT_DAYS, running_intake

DAY_ENDS = f"趋势线：近 {SNAPSHOT_DAYS - 1} 天每日 24 时与此刻"
RATES = ("response_rate", "resolution_rate", "satisfaction_rate", "composite")
BACKLOG = ("open", "overdue", "at_risk")
Trend = list[float] | None


def ending_on(earlier: list[float] | None, figure: float | None) -> Trend:
    """The earlier points, then the tile's figure; none without the figure or with one point only."""
    if figure is None or earlier is None:
        return None
    points = [*earlier, float(figure)]
    return points if len(points) >= 2 else None


def backlog_lines(reads: live.Board, now: datetime, totals: dict | None) -> dict[str, Trend]:
    """open / overdue / at_risk at the last day-ends, then the tiles' figures now."""
    snaps = reads.get("snapshots", wall_data.backlog_snapshots, now)
    if totals is None or snaps is None or snaps.empty:
        return dict.fromkeys(BACKLOG)
    return {k: ending_on([float(x) for x in snaps[k].iloc[:-1]], totals[k]) for k in BACKLOG}


def intake_line(hourly: pd.DataFrame | None, intake: dict | None) -> Trend:
    """Today's running intake hour by hour; the running hour's point is the tile's figure."""
    if hourly is None or intake is None:
        return None
    return ending_on([float(x) for x in running_intake(hourly)[:-1]], intake["today"])


def rates_lines(reads: live.Board, now: datetime, period, rates) -> dict[str, Trend]:
    """The 三率 (in percent) and the composite of the previous periods, then the current period so far."""
    df = reads.get("rates_trend", wall_data.three_rates_trend, now)
    if df is None or rates is None or period is None:
        return dict.fromkeys(RATES)
    past = df[df["period"] != period.label].tail(wall_data.TREND_POINTS - 1)
    out: dict[str, Trend] = {}
    for k in RATES:
        figure = getattr(rates, k)
        scale = 1 if k == "composite" else 100
        out[k] = ending_on([float(x) for x in past[k].dropna()], None if figure is None else float(figure) * scale)
    return out


def score_line(reads: live.Board, month: str, score: float | None) -> Trend:
    """The previous contract months' 考核 scores, then this month's estimate."""
    return ending_on(reads.get("earlier_scores", wall_data.earlier_month_scores, month), score)


def since_midnight(line: Trend) -> str | None:
    """A backlog tile's second line: its change since today's 0:00 (the line's last day-end)."""
    if not line or len(line) < 2:
        return None
    return f"较今日 0 时 {int(line[-1] - line[-2]):+,d}"
