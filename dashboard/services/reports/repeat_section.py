"""The weekly report's 重复诉求 sheet (docs/repeats.md): the week's repeat rate, then the
街乡镇, 承办单位 and categories with the most repeats, then the most repeated problems."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import pandas as pd
from sqlalchemy.engine import Connection

from domain.repeats import REPEAT_WINDOW_DAYS
from queries import repeats

NAME = "重复诉求"
TOP_ROWS = 10
DIMENSIONS = (("street", "街乡镇"), ("unit", "承办单位"), ("category", "分类"))
COLUMNS = ["维度", "名称", "受理", "重复", "重复率"]


def repeat_frame(conn: Connection, *, start: datetime, end: datetime, cut: datetime,
                 rate: Callable[[Fraction], Decimal]) -> pd.DataFrame:
    """COLUMNS: 合计 first, then the top rows of each dimension (most repeats first); `rate` puts
    an exact share in the report's decimal form (content.rate_decimal)."""

    def _rate(num: int, den: int) -> Decimal | None:
        return None if not den else rate(Fraction(num, den))

    total = repeats.repeat_totals(conn, start=start, end=end, now=cut)
    rows = [("合计", "全区", total["tickets"], total["repeats"], _rate(total["repeats"], total["tickets"]))]
    for by, label in DIMENSIONS:
        df = repeats.repeat_counts(conn, start=start, end=end, by=by, now=cut, limit=TOP_ROWS)
        rows += [(label, r.key, int(r.tickets), int(r.repeats), _rate(int(r.repeats), int(r.tickets)))
                 for r in df.itertuples() if r.repeats]
    top = repeats.top_repeated(conn, start=start, end=end, now=cut, limit=TOP_ROWS)
    rows += [("反复出现的问题", f"{r.address}（{r.category}）", int(r.tickets), int(r.repeats),
              _rate(int(r.repeats), int(r.tickets))) for r in top.itertuples()]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"重复率": object})


def note() -> str:
    return (f"重复：同一来电人或同一地址同类诉求在前 {REPEAT_WINDOW_DAYS} 天内已有工单；"
            f"各维度列出重复最多的前 {TOP_ROWS} 项；反复出现的问题按地址与分类归并")
