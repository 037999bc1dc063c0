"""The page demo (tests/support/app_database.py) starts mid-contract, on 2026-01-10: the contract's
first month, 2025-12, has no data. 付款核算 and 月度考核 show it as 「无数据」, count only
no month as assessed (已考核 counts signed-off months; 2026-01 is a live estimate), and refuse to sign 2025-12 off."""
from tests.support.apptest import app_as, errors


def test_payment_page_shows_no_data_before_the_data(app_db):
    at = app_as("reviewer", "pages/payment.py")
    assert not errors(at), errors(at)
    assert next(m for m in at.metric if m.label == "已考核月份").value == "0 / 12"   # none signed off
    months = at.dataframe[0].value.set_index("月份")
    for column in ("考核得分", "付款系数", "应付金额", "考核扣款", "状态"):
        assert months.loc["2025-12", column] == "无数据", column
    assert months.loc["2026-01", "状态"] == "测算（未签认）"
    score = months.loc["2026-01", "考核得分"]
    assert score != "无数据" and 0 <= float(score) <= 100
    assert months.loc["2026-02", "考核得分"] == "待考核"


def test_assessment_page_of_a_month_without_data(app_db):
    at = app_as("manager", "pages/assessment.py")
    at.selectbox(key="assess_month").set_value("2025-12").run()
    assert not errors(at), errors(at)
    tiles = {m.label: m.value for m in at.metric}
    assert [tiles[k] for k in ("考核得分", "付款系数", "当月应付（元）", "考核扣款（元）")] == ["无数据"] * 4
    at.button(key="btn_vendor").click().run()
    assert any("2025\\-12 无数据" in e and "不能签认" in e for e in errors(at)), errors(at)
