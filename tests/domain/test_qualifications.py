"""Qualification rules per 岗位 and the full-time bachelor share of the specialists (pure)."""
from fractions import Fraction

from domain import qualifications as ql


def test_role_rules():
    assert ql.violations("项目经理", education="本科", full_time=True, years_experience="10", team_size_managed=100,
                         management_years="3") == []
    v = ql.violations("项目经理", education="大专", full_time=False, years_experience="9.5", team_size_managed=100,
                      management_years="3")
    assert len(v) == 3 and "非全日制学历" in v
    assert ql.violations("业务主管", education="硕士", full_time=True, team_size_managed=49, management_years="5")
    assert ql.violations("派单专员", education="大专", full_time=True, typing_speed=60) == []
    assert ql.violations("派单专员", education="大专", full_time=True, typing_speed=59)
    assert ql.violations("数据分析专员", education="本科", full_time=True, years_experience="0.5")
    assert ql.violations("数据分析专员", education="本科", full_time=True, years_experience="1") == []
    assert ql.bachelor_share([("本科", True), ("大专", True), ("本科", False), ("硕士", True)]) == Fraction(1, 2)
    assert ql.bachelor_share_ok(Fraction(1, 2)) and not ql.bachelor_share_ok(Fraction(49, 100))
    assert not ql.bachelor_share_ok(None)
