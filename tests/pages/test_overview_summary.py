"""The overview leads with a summary leadership reads on a phone: the backlog, the 三率 and the
month's 考核 estimate (the same figures as the wall), then a 需关注 list."""
from tests.support.apptest import app_as, errors


def test_overview_summary_has_three_rates_and_estimate(app_db):
    at = app_as("leader", "pages/overview.py")
    assert not errors(at), errors(at)
    tiles = {m.label: m.value for m in at.metric}
    wall = {m.label: m.value for m in app_as("leader", "pages/wall.py").metric}
    assert tiles["三率综合成绩"] == wall["三率综合成绩"] and tiles["本月考核预估"] == wall["本月考核预估分"]
    assert tiles["超期"] == wall["超期"] and tiles["满意率"] == wall["满意率"]
    assert any("需关注" in md.value for md in at.markdown)
