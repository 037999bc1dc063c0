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


# --- a rule's figures as pages, exports and workbooks state them ---------------------------------
def number_text(x: Fraction | Decimal | int | str) -> str:
    """A figure as written in a rule: 90, 92.5, 0.01 (no exponent, no needless trailing zeros)."""
    return f"{to_decimal(x).normalize():f}"


def share_text(x: Fraction | Decimal | str) -> str:
    """A share as an exact percentage without needless zeros: 0.2 → '20%', 1/2 → '50%', 0.125 → '12.5%'."""
    return f"{number_text(to_decimal(x) * 100)}%"


def limit_text(seconds: int) -> str:
    """A time limit as the contract words it: 30 分钟, 2 小时, 48 小时, 7 天. Up to two days it is said
    in hours (24 小时, 48 小时), beyond that in days when it is a whole number of them."""
    s = int(seconds)
    if s % 86400 == 0 and s > 2 * 86400:
        return f"{s // 86400} 天"
    if s % 3600 == 0:
        return f"{s // 3600} 小时"
    if s % 60 == 0:
        return f"{s // 60} 分钟"
    return f"{s} 秒"


def equipment_text(required: dict[str, int], sep: str = "、") -> str:
    """The devices a contract requires: 电脑 60 台、多功能一体机 6 台."""
    return sep.join(f"{kind} {n} 台" for kind, n in required.items())
