"""The wall's ticker: the overdue and 紧急 open tickets crawling slowly along the bottom of every
screen (most overdue first, then the urgent ones newest first; queries.wall.urgent_ticker).

A CSS animation only (no script, no timer): it pauses nothing else. Its phase is taken from the
clock (a negative animation-delay), so a refresh that redraws it carries on where it was instead of
starting over. Every value is escaped (html.escape) before it goes into the HTML: ticket numbers,
街乡镇, units and categories come from imported files. No caller, title or content is shown.
"""
from __future__ import annotations

import html
from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.web import live
from dashboard.web.reads import wall as wall_data
from domain.formatting import duration_text
from domain.vocabulary import URGENT

SPEED = 70           # px per second: readable from 5 m while it moves
SCREEN_WIDTH = 1920  # the wall's width: the text enters from the right edge
NOTHING = "当前没有超期或紧急工单"
LABEL = f"超期与{URGENT}工单"


def item_text(row: dict) -> str:
    """One ticket as the ticker says it (plain text, not yet escaped)."""
    where = " / ".join(str(x) for x in (row.get("street"), row.get("unit")) if x not in (None, "") and not pd.isna(x))
    what = row.get("category")
    what = "" if what is None or pd.isna(what) else str(what)
    if row["overdue"]:
        state = f"超期 {duration_text(row['seconds'])}"
    else:
        state = f"{URGENT} · 剩余 {duration_text(row['seconds'])}"
    return " · ".join(x for x in (state, f"工单{row['ticket_no']}", where, what) if x)


def _width(text: str) -> int:
    """Rough width in px at the ticker's font size: CJK full width, the rest about half."""
    return sum(30 if ord(c) > 0x2E80 else 16 for c in text)


def ticker_html(df: pd.DataFrame | None, now_epoch: float) -> str:
    """The ticker's HTML: escaped items in a track moving right to left at SPEED."""
    if df is None or df.empty:
        return (f'<div class="wall-ticker wall-ticker-quiet"><span class="wall-ticker-label">{html.escape(LABEL)}</span>'
                f'<span class="wall-ticker-none">{html.escape(NOTHING)}</span></div>')
    rows = df.to_dict("records")
    texts = [item_text(r) for r in rows]
    items = "".join(
        f'<span class="wall-ticker-item {"wall-ticker-late" if r["overdue"] else "wall-ticker-urgent"}">'
        f"{html.escape(t)}</span>" for r, t in zip(rows, texts))
    travel = SCREEN_WIDTH + sum(_width(t) + 96 for t in texts)
    seconds = max(30, round(travel / SPEED))
    phase = now_epoch % seconds
    return (f'<div class="wall-ticker"><span class="wall-ticker-label">{html.escape(LABEL)}</span>'
            f'<div class="wall-ticker-window"><div class="wall-ticker-track" '
            f'style="animation-duration:{seconds}s;animation-delay:-{phase:.0f}s">{items}</div></div></div>')


STYLE = """<style>
.wall-ticker { display: flex; align-items: center; gap: 1rem; background: #111a2e; border: 1px solid #1f2b45;
  border-radius: 10px; padding: .35rem 1rem; overflow: hidden; white-space: nowrap; }
.wall-ticker-label { flex: none; font-size: 1.4rem; font-weight: 700; color: #0a1020; background: #f87171;
  border-radius: 6px; padding: .1rem .6rem; }
.wall-ticker-quiet .wall-ticker-label { background: #3b4a63; color: #cbd5e1; }
.wall-ticker-none { font-size: 1.4rem; color: #8ea0bf; }
.wall-ticker-window { overflow: hidden; flex: 1; }
.wall-ticker-track { display: inline-block; padding-left: 100%; animation-name: wall-ticker-move;
  animation-timing-function: linear; animation-iteration-count: infinite; }
.wall-ticker-item { font-size: 1.75rem; font-weight: 600; margin-right: 6rem; font-variant-numeric: tabular-nums; }
.wall-ticker-late { color: #fca5a5; }
.wall-ticker-urgent { color: #fcd34d; }
@keyframes wall-ticker-move { from { transform: translateX(0); } to { transform: translateX(-100%); } }
</style>"""


def render(reads: live.Board, now: datetime, now_epoch: float) -> None:
    """The ticker under the screen; it keeps its last good list during an outage like every wall read."""
    df = reads.get("ticker", wall_data.urgent_ticker, now)
    with st.container(key="wall-ticker"):
        st.html(STYLE + ticker_html(df, now_epoch))
