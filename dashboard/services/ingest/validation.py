"""Turn a table of text cells into typed columns of one kind, collecting row-level problems.

Row numbers are spreadsheet rows: the header is row 1, the first data row 第2行.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.services.ingest import caller, parsing
from dashboard.services.ingest.mapping import Mapping
from dashboard.services.ingest.reading import FileRefused
from dashboard.services.ingest.spec import KINDS, TICKET_EVENT_COLUMNS, Col, lookup
from dashboard.services.reference import STREET_ALIASES, STREET_NAMES
from domain.vocabulary import ACTION_BY_LABEL, ACTIONS

REJECT_COLUMNS = ["行号", "列", "原因"]
MAX_WARNING_VALUES = 8


@dataclass
class Prepared:
    kind: str
    raw: pd.DataFrame                       # the file's cells (after renaming by the mapping)
    values: dict[str, pd.Series]            # key → parsed values (datetime64 for timestamps)
    cols: dict[str, Col]                    # key → column spec, for present columns
    recognised: dict[str, str]              # source header → canonical header
    unknown_columns: list[str]
    errors: list[tuple[int, str, str]] = field(default_factory=list)   # (index, header, reason)
    warnings: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.raw)

    def error(self, mask: pd.Series, header: str, reason_of) -> None:
        """Record a problem for every row where mask is True; reason_of(index) → text."""
        if mask.any():
            for i in mask.index[mask.to_numpy()]:
                self.errors.append((int(i), header, reason_of(i)))

    def bad_index(self) -> set[int]:
        return {i for i, _, _ in self.errors}

    def rejects(self) -> pd.DataFrame:
        rows = sorted(self.errors, key=lambda e: (e[0], e[1]))
        return pd.DataFrame([(i + 2, h, r) for i, h, r in rows], columns=REJECT_COLUMNS)

    def messages(self) -> list[str]:
        return [f"第{i + 2}行 {h}：{r}" for i, h, r in sorted(self.errors, key=lambda e: e[0])]

    def part(self, start: int, stop: int) -> Prepared:
        """Rows [start, stop) as a table of their own (rows and reasons renumbered from 0), for
        writing in parts what was checked at once. The warnings stay with the whole."""
        def rows(series: pd.Series) -> pd.Series:
            return series.iloc[start:stop].reset_index(drop=True)
        return Prepared(self.kind, self.raw.iloc[start:stop].reset_index(drop=True),
                        {k: rows(v) for k, v in self.values.items()}, self.cols, self.recognised,
                        self.unknown_columns,
                        [(i - start, h, r) for i, h, r in self.errors if start <= i < stop])


def prepare(kind: str, df: pd.DataFrame, mapping: Mapping | None = None, *,
            part_starts: Sequence[int] = (0,)) -> Prepared:
    """The table's cells checked and parsed. `part_starts`: the first row of each part of a table
    read in parts (a feed's batches, checked at once and written one by one): a key is duplicate
    only within its part, and a duplicate's reason names the row number within the part."""
    if mapping is not None and mapping.kind != kind:
        raise FileRefused(f"映射文件用于 {mapping.kind}，不能用于导入 {kind}")
    by_header = lookup(kind)
    renamed = {src: dst for src, dst in (mapping.columns.items() if mapping else [])}
    recognised: dict[str, str] = {}
    unknown: list[str] = []
    src_of: dict[str, str] = {}            # key → source column
    for src in df.columns:
        target = renamed.get(src, src)
        col = by_header.get(target) or by_header.get(str(target).lower())
        if col is None:
            if src.strip():
                unknown.append(src)
            continue
        if col.key in src_of:
            raise FileRefused(f"列重复：“{src}”与“{src_of[col.key]}”都对应 {col.header}")
        src_of[col.key] = src
        recognised[src] = col.header

    defaults = {}
    for name, value in (mapping.defaults.items() if mapping else []):
        col = by_header.get(name) or by_header.get(name.lower())
        if col is None:
            raise FileRefused(f"映射文件的 defaults 中有未知列：{name}")
        defaults[col.key] = value
    missing = [c.header for c in KINDS[kind] if c.required and c.key not in src_of and c.key not in defaults]
    if missing:
        raise FileRefused(f"缺少必填列：{'、'.join(missing)}")

    df = df.reset_index(drop=True)
    p = Prepared(kind, df, {}, {}, recognised, unknown)
    values_map = {}
    for name, table in (mapping.values.items() if mapping else []):
        col = by_header.get(name) or by_header.get(name.lower())
        if col is not None:
            values_map[col.key] = table

    for col in KINDS[kind]:
        if col.key in src_of:
            s = df[src_of[col.key]].astype(str)
        elif col.key in defaults:
            s = pd.Series([""] * len(df), index=df.index, dtype=object)
        else:
            continue
        if col.type != "free":
            s = s.str.strip()
            blank = s == ""
        else:
            blank = s.str.strip() == ""
        if col.key in values_map:
            table = values_map[col.key]
            key = s.str.strip()
            hit = key.isin(table.keys())
            s = s.where(~hit, key.map(table))
            blank = s.str.strip() == ""
        if col.key in defaults:
            s = s.where(~blank, defaults[col.key])
            blank = s.str.strip() == ""
        p.cols[col.key] = col
        p.values[col.key] = _parse(p, col, s, blank, mapping.timezone if mapping else None)

    if kind == "tickets":
        caller.protect(p, src_of.get(caller.PHONE_KEY))
        caller.add_address_key(p)
    _cross_checks(p, part_starts)
    return p


def _parse(p: Prepared, col: Col, s: pd.Series, blank: pd.Series, tz: str | None) -> pd.Series:
    h = col.header
    if col.required:
        p.error(blank, h, lambda i: "必填，不能为空")
    t = col.type
    if t == "ts":
        vals, bad = parsing.parse_timestamps(s, tz)
        p.error(bad, h, lambda i: f"无法识别的时间 \"{s[i].strip()}\"")
        return vals
    if t == "date":
        vals, bad = parsing.parse_dates(s)
        p.error(bad, h, lambda i: f"无法识别的日期 \"{s[i].strip()}\"")
        return vals
    if t == "bool":
        vals, bad = parsing.parse_bools(s)
        p.error(bad, h, lambda i: f"应为 是/否，实际为 \"{s[i]}\"")
        if col.default is not None:
            vals = vals.where(~blank, col.default)
        return vals
    if t == "int":
        vals, bad = parsing.parse_ints(s)
        p.error(bad, h, lambda i: f"应为整数，实际为 \"{s[i]}\"")
        return vals
    if t == "decimal":
        vals, bad = parsing.parse_decimals(s)
        p.error(bad, h, lambda i: f"应为非负数，实际为 \"{s[i]}\"")
        return vals
    if t == "choice":
        bad = ~blank & ~s.isin(col.choices)
        p.error(bad, h, lambda i: f"不允许的值 \"{s[i]}\"（可选：{'/'.join(col.choices)}）")
        vals = s.where(~blank, col.default).astype(object)
        return vals.where(~(blank & (col.default is None)), None)
    if t == "action":
        code = s.map(lambda v: v if v in ACTIONS else ACTION_BY_LABEL.get(v))
        code = code.where(code.notna(), s.str.upper().map(lambda v: v if v in ACTIONS else None))
        bad = ~blank & code.isna()
        p.error(bad, h, lambda i: f"未知的操作 \"{s[i]}\"")
        return code.astype(object)
    if t == "month":
        norm = s.str.replace(r"^(\d{4})[-/.年](\d{1,2})月?$", lambda m: f"{m[1]}-{int(m[2]):02d}", regex=True)
        ok = norm.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
        p.error(~blank & ~ok, h, lambda i: f"月份应为 YYYY-MM，实际为 \"{s[i]}\"")
        return norm.where(~blank, None).astype(object)
    # text / free: blank → default ('' for event fields) or None (as objects, None stays None)
    return s.astype(object).where(~blank, col.default)


def _cross_checks(p: Prepared, part_starts: Sequence[int] = (0,)) -> None:
    v = p.values
    if p.kind == "tickets":
        received = v["received_at"]
        for key in (*TICKET_EVENT_COLUMNS, "deadline_at"):
            if key in v:
                early = v[key].notna() & received.notna() & (v[key] < received)
                hdr = p.cols[key].header
                p.error(early, hdr, lambda i, k=key: f"{_fmt(v[k][i])} 早于接收时间 {_fmt(received[i])}")
        if "street" in v:
            street = v["street"]
            alias = street.isin(list(STREET_ALIASES))
            if alias.any():
                street = street.where(~alias, street[alias].map(STREET_ALIASES))
            v["street"] = street
            odd = street.notna() & ~street.isin(STREET_NAMES)
            if odd.any():
                counts = street[odd].value_counts()
                shown = "、".join(f"{name}（{n}行）" for name, n in counts.head(MAX_WARNING_VALUES).items())
                more = f" 等 {len(counts)} 个名称" if len(counts) > MAX_WARNING_VALUES else ""
                p.warnings.append(f"被反映街乡镇：{int(odd.sum())} 行不在通州区 22 个街乡镇名单中，已按原值保存：{shown}{more}")
    if p.kind == "staff" and "hired_on" in v and "left_on" in v:
        early = v["left_on"].notna() & v["hired_on"].notna() & (v["left_on"] < v["hired_on"])
        p.error(early, "离职日期", lambda i: "早于入职日期")
    key_cols = {"tickets": ["ticket_no"], "staff": ["staff_no"], "shifts": ["staff_no", "day", "shift"],
                "reports": ["report_no"]}.get(p.kind)
    if key_cols and all(k in v for k in key_cols):
        frame = pd.DataFrame({k: v[k] for k in key_cols})
        starts = np.asarray(part_starts, dtype=np.int64)
        part = np.searchsorted(starts, np.arange(p.n), side="right") - 1
        if len(starts) > 1:
            frame.insert(0, "_part", part)
        dup = frame.duplicated(keep="first") & frame[key_cols].notna().all(axis=1)
        if dup.any():
            first = {}
            for i, row in frame[frame.duplicated(keep=False)].iterrows():
                first.setdefault(tuple(row), i)
            hdr = p.cols[key_cols[0]].header
            p.error(dup, hdr, lambda i: f"与第{first[tuple(frame.loc[i])] - starts[part[i]] + 2}行重复")


def _fmt(ts) -> str:
    return pd.Timestamp(ts).isoformat(sep=" ")
