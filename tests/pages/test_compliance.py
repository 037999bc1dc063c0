"""/compliance per allowed role: staff, qualification, shift coverage and equipment tiles."""
import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto

from domain.access import ROLES, can_open
from tests.support.apptest import app_as, errors


@pytest.mark.parametrize("role", [r for r in ROLES if can_open(r, "compliance")])
def test_compliance_renders(app_db, role):
    at = app_as(role, "pages/compliance.py")
    assert not errors(at), errors(at)
    labels = {m.label for m in at.metric}
    assert {"在岗人数", "资质不达标人数", "专员全日制本科占比", "班次覆盖不足", "设备"} <= labels
    assert at.dataframe


def test_bachelor_share_note_has_no_arrow(app_db):
    """The second line of 专员全日制本科占比 counts people against the requirement: not a change, so no
    arrow (an arrow only on a change); its colour still says whether the share meets it."""
    at = app_as("admin", "pages/compliance.py")
    tile = next(m for m in at.metric if m.label == "专员全日制本科占比")
    assert " 人 · 要求 ≥ " in tile.proto.delta
    assert tile.proto.direction == MetricProto.MetricDirection.NONE
