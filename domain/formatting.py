"""Display formats shared by pages and exports (exact, half-up)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def to_decimal(x: Fraction | Decimal | int | str) -> Decimal:
    if isinstance(x, Fraction):
        return Decimal(x.numerator) / Decimal(x.denominator)
    return Decimal(x) if not isinstance(x, Decimal) else x


def half_up(x: Fraction | Decimal | int | str, places: int = 2) -> Decimal:
    return to_decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def pct(x: Fraction | Decimal | None, places: int = 2) -> str:
    """0.95123 → '95.12%'; None (no data) → '—'."""
    if x is None:
        return "—"
    return f"{half_up(to_decimal(x) * 100, places)}%"


def yuan(x: Decimal | None) -> str:
    if x is None:
        return "—"
    return f"{half_up(x, 2):,}"


def count(n: int | None) -> str:
    return "—" if n is None else f"{int(n):,}"


def duration_text(seconds: int | None) -> str:
    """A span for people: 2 天 3 小时 / 3 小时 05 分 / 12 分 (whole minutes, floor)."""
    if seconds is None:
        return "—"
    s = int(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{sign}{days} 天 {hours} 小时"
    if hours:
        return f"{sign}{hours} 小时 {minutes:02d} 分"
    return f"{sign}{minutes} 分"
