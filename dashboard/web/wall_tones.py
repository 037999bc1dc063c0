"""The colours of the wall's top row: each figure against thresholds of the rules in force
(Rules.overdue_red_from, Rules.at_risk_amber_from, Rules.composite_bands, the payment bands), never
against a number typed here. A tone is red / amber / green / plain; red always means worse."""
from __future__ import annotations

from domain.formatting import half_up, number_text
from domain.rules import Rules


def tone_of_count(n: int | None, *, red_from: int | None = None, amber_from: int | None = None,
                  calm: str = "green") -> str:
    """A count against the rules' thresholds (Rules.overdue_red_from, Rules.at_risk_amber_from):
    red from `red_from`, amber from `amber_from`, else `calm`; plain when unknown."""
    if n is None:
        return "plain"
    if red_from is not None and n >= red_from:
        return "red"
    if amber_from is not None and n >= amber_from:
        return "amber"
    return calm


def tone_of_score(score, green_from, red_below) -> str:
    """A score against two lines of the rules: green at or above `green_from`, red below `red_below`,
    amber between; plain when unknown. 本月考核预估分 takes the payment bands (paid in full / 整改),
    三率综合成绩 the rules' composite bands (Rules.composite_bands)."""
    if score is None:
        return "plain"
    if score >= green_from:
        return "green"
    return "amber" if score >= red_below else "red"


def overdue_tone(n: int | None, rules: Rules) -> str:
    """超期: green at none, amber from the first, red from the rules' threshold."""
    return tone_of_count(n, red_from=rules.overdue_red_from, amber_from=1)


def at_risk_tone(n: int | None, rules: Rules) -> str:
    """即将超期: amber from the rules' threshold, else plain."""
    return tone_of_count(n, amber_from=rules.at_risk_amber_from, calm="plain")


def composite_tone(composite, rules: Rules) -> str:
    """三率综合成绩 as shown (half-up to 0.01) against the rules' composite bands."""
    green_from, red_below = rules.composite_bands
    return tone_of_score(None if composite is None else half_up(composite, 2), green_from, red_below)


def estimate_tone(score, rules: Rules) -> str:
    """The month's estimate against the payment bands: paid in full → green, a reduced factor →
    amber, the 整改 band → red."""
    return tone_of_score(score, rules.full_payment_from, rules.rectify_below)


# --- what the colours mean, for the tiles' help (the same thresholds as the tones) ---------------
def overdue_tone_text(rules: Rules) -> str:
    red = rules.overdue_red_from
    return "无超期为绿色；" + (f"1 件起为黄色，{red:,} 件起为红色" if red > 1 else "有超期即为红色")


def at_risk_tone_text(rules: Rules) -> str:
    return f"{rules.at_risk_amber_from:,} 件起为黄色"


def composite_tone_text(rules: Rules) -> str:
    green_from, red_below = rules.composite_bands
    return f"{number_text(green_from)} 分及以上为绿色，低于 {number_text(red_below)} 分为红色，其间为黄色"
