"""Contract qualifications per 岗位, as pure checks over one person's record.

Each check returns the list of violations in Chinese (empty = qualified). Missing data is a
violation too: the reviewer cannot accept what nobody recorded.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import SupportsInt

from domain.vocabulary import ANALYST, DISPATCHER, EDUCATION_LEVELS, PROJECT_MANAGER, QC, RETURNER, SUPERVISOR, VERIFIER

EDU_RANK = {level: rank for rank, level in enumerate(EDUCATION_LEVELS, start=1)}
MIN_TYPING = 60
BACHELOR_SHARE = Fraction(1, 2)


@dataclass(frozen=True)
class RoleRule:
    min_education: str
    min_years: Decimal = Decimal(0)            # 从业年限
    min_team_size: int = 0                     # 管理团队规模
    min_management_years: Decimal = Decimal(0)  # 管理年限
    min_typing: int = 0
    text: str = ""


ROLE_RULES = {
    PROJECT_MANAGER: RoleRule("本科", Decimal(10), 100, Decimal(3),
                              text="全日制本科及以上；从业 ≥ 10 年；≥ 3 年 100 人以上团队管理经验"),
    SUPERVISOR: RoleRule("本科", Decimal(0), 50, Decimal(3), text="全日制本科及以上；≥ 3 年 50 人以上团队管理经验"),
    DISPATCHER: RoleRule("大专", min_typing=MIN_TYPING, text="全日制大专及以上；打字 ≥ 60 字/分钟；三班倒"),
    RETURNER: RoleRule("大专", min_typing=MIN_TYPING, text="全日制大专及以上；打字 ≥ 60 字/分钟；三班倒"),
    QC: RoleRule("大专", min_typing=MIN_TYPING, text="全日制大专及以上；打字 ≥ 60 字/分钟；三班倒"),
    VERIFIER: RoleRule("大专", min_typing=MIN_TYPING, text="全日制大专及以上；打字 ≥ 60 字/分钟；三班倒"),
    ANALYST: RoleRule("本科", Decimal(1), text="全日制本科及以上；≥ 1 年统计工作经验"),
}


def _dec(v: object) -> Decimal | None:
    if v is None or v == "":
        return None
    try:
        return Decimal(str(v).strip())
    except (InvalidOperation, ValueError):
        return None


def is_full_time_bachelor(education: str | None, full_time: object) -> bool:
    return bool(full_time) and EDU_RANK.get(education or "", 0) >= EDU_RANK["本科"]


def violations(role: str, *, education: str | None, full_time: object, years_experience: object = None,
               team_size_managed: SupportsInt | None = None, management_years: object = None,
               typing_speed: SupportsInt | None = None) -> list[str]:
    """What keeps one person of `role` from meeting the contract (empty when qualified)."""
    rule = ROLE_RULES.get(role)
    if rule is None:
        return [f"岗位「{role}」不在合同岗位之列"]
    out = []
    if EDU_RANK.get(education or "", 0) < EDU_RANK[rule.min_education]:
        out.append(f"学历{education or '未登记'}，要求{rule.min_education}及以上")
    if not full_time:
        out.append("非全日制学历" if full_time is not None else "是否全日制未登记")
    if rule.min_years:
        y = _dec(years_experience)
        if y is None or y < rule.min_years:
            out.append(f"从业年限{years_experience or '未登记'}，要求 ≥ {rule.min_years} 年")
    if rule.min_team_size:
        size, years = team_size_managed, _dec(management_years)
        if size is None or int(size) < rule.min_team_size or years is None or years < rule.min_management_years:
            out.append(f"团队管理经验（{size or 0} 人、{management_years or 0} 年），"
                       f"要求 ≥ {rule.min_management_years} 年 {rule.min_team_size} 人以上团队")
    if rule.min_typing and (typing_speed is None or int(typing_speed) < rule.min_typing):
        out.append(f"打字速度 {typing_speed if typing_speed is not None else '未登记'}，要求 ≥ {rule.min_typing} 字/分钟")
    return out


def bachelor_share(people: list[tuple[str | None, object]]) -> Fraction | None:
    """Share of 全日制本科及以上 among specialists: [(education, full_time)]; None when nobody."""
    if not people:
        return None
    return Fraction(sum(1 for e, f in people if is_full_time_bachelor(e, f)), len(people))


def bachelor_share_ok(share: Fraction | None) -> bool:
    return share is not None and share >= BACHELOR_SHARE
