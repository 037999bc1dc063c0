"""/standup per allowed role: the tiles, the action list written from the page, and the workbook
built on request from the pack the page shows."""
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from dashboard.services.reports import standup as report
from dashboard.web.breach_section import HORIZON_HOURS
from dashboard.web.reads import standup as data
from domain.access import ROLES, can_open
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors


def allowed(key):
    return [r for r in ROLES if can_open(r, key)]


AGENDA = ["1. 昨日未达标", "2. 超期工单最多的承办单位", f"3. 未来 {HORIZON_HOURS} 小时到期工单的超期预测", "4. 今日受理预测与排班",
          "5. 行动项"]


def table_with(at, column):
    return next(df.value for df in at.dataframe if column in getattr(df.value, "columns", []))


@pytest.mark.parametrize("role", allowed("standup"))
def test_standup_page_renders(app_db, role):
    at = app_as(role, "pages/standup.py")
    assert not errors(at), errors(at)
    labels = [m.label for m in at.metric]
    assert {"超期", "即将超期", "未完成行动项"} <= set(labels)
    assert any("打印" in c.value for c in at.caption)
    assert at.dataframe
    heads = [h.value for h in at.subheader]
    assert [h for h in heads if h in AGENDA] == AGENDA
    assert "跟进人" in table_with(at, "跟进人").columns
    assert list(table_with(at, "所需派单人数")["班次"]) == ["夜班", "早班", "中班"]
    # every role of this page may write action items, so each gets the 未达标 → 行动项 control
    assert [b.label for b in at.button if b.key == "miss-to-action"] == ["填入行动项"]
    assert at.toggle(key="standup-projector").value is False


def test_misses_have_their_owner_from_the_roster(app_db):
    """The app database's 14 Jan: each 未达标 line, whole day or shift, shows the 业务主管 on that
    shift's roster (present first) or, for the whole day, the 项目经理; 样本不足 is never a miss."""
    import sqlalchemy as sa

    from dashboard.infra.db import make_engine
    from domain.evidence import MIN_VERDICT_ITEMS
    from queries.schema import shifts, staff

    at = app_as("supervisor", "pages/standup.py")
    misses = table_with(at, "跟进人")
    assert set(misses["结果"]) == {"未达标"}
    assert all(int(d.replace(",", "")) >= MIN_VERDICT_ITEMS for d in misses["分母"])
    yesterday = APP_NOW.date() - timedelta(days=1)
    with make_engine(app_db).connect() as conn:
        rows = conn.execute(sa.select(shifts.c.shift, staff.c.name, shifts.c.present)
                            .join(staff, staff.c.staff_no == shifts.c.staff_no)
                            .where(shifts.c.day == yesterday, staff.c.role == "业务主管")).all()
        managers = conn.execute(sa.select(staff.c.name).where(staff.c.role == "项目经理")).scalars().all()
    on_duty = {}
    for shift, name, present in rows:
        on_duty.setdefault(shift, {True: [], False: []})[bool(present)].append(name)
    for line in misses.itertuples():
        if line.班次 == "全天":
            assert line.跟进人 == "、".join(managers)
        else:
            names = on_duty[line.班次][True] or on_duty[line.班次][False]
            assert sorted(line.跟进人.split("、")) == sorted(names)
    assert {"全天", "早班"} <= set(misses["班次"])       # known for this database: 9 lines


def test_a_miss_becomes_an_action_with_its_owner(app_db):
    at = app_as("manager", "pages/standup.py")
    misses = table_with(at, "跟进人")
    first_shift = misses[misses["班次"] != "全天"].iloc[0]
    pick = at.selectbox(key="miss-pick")
    option = next(o for o in pick.options if o.startswith(f"{first_shift['班次']} · {first_shift['组别']} · {first_shift['指标']}"))
    pick.set_value(option)
    at.button(key="miss-to-action").click().run()
    assert not errors(at), errors(at)
    assert at.text_input(key="act-owner").value == first_shift["跟进人"]
    text = at.text_area(key="act-text").value
    assert text.startswith(f"昨日{first_shift['班次']}{first_shift['组别']}{first_shift['指标']} {first_shift['实际']}")
    at.button(key="act-add").click().run()
    assert any("已添加" in s.value for s in at.success)
    actions = data.actions(APP_NOW.date())
    assert first_shift["跟进人"] in set(actions["owner"])


def test_every_tile_opens_the_list_it_counts(app_db):
    at = app_as("supervisor", "pages/standup.py")
    counts = {m.label: int(m.value.replace(",", "")) for m in at.metric if m.label in TILE_OF.values()}
    assert set(counts) == set(TILE_OF.values())
    for option, tile in TILE_OF.items():
        at.segmented_control(key="standup-open").set_value(option).run()
        assert not errors(at), errors(at)
        n = counts[tile]
        if n == 0:
            assert any("没有" in s.value for s in at.success)
        else:
            shown = at.dataframe[0].value
            assert len(shown) == n, option
    assert counts["疑难在办"] > 0 and counts["超期"] > 0        # the lists checked are not all empty


TILE_OF = {"超期": "超期", "即将超期": "即将超期", "退单审核中": "退单审核中", "多次催办": "多次催办", "疑难": "疑难在办",
           "未完成行动项": "未完成行动项"}


def test_forecast_against_the_shift_plan(app_db, monkeypatch):
    """The section shows the plan of dashboard.services.staffing_plan.plan (read with the rest of
    the agenda): needed 1/4/2 against planned 1/3/2 is 够用, 缺 1 人, 够用."""
    import pandas as pd

    from dashboard.services import staffing_plan

    plan = {"handling_minutes": "6", "handling_source": "规则默认值", "occupancy": "0.85",
            "shifts": pd.DataFrame({"shift": ["夜班", "早班", "中班"], "volume": [24.0, 174.0, 80.0],
                                    "peak_hour_volume": [3.0, 34.0, 10.0], "needed": [1, 4, 2],
                                    "needed_average": [1, 3, 2], "planned": [1, 3, 2], "on_duty": [1, 3, 0],
                                    "minimum": [4, 4, 4], "gap": [0, 1, 0]})}
    monkeypatch.setattr(staffing_plan, "plan", lambda conn, day, now, **_kept: plan)
    data.agenda.clear()
    at = app_as("supervisor", "pages/standup.py")
    data.agenda.clear()
    shown = table_with(at, "所需派单人数")
    assert [tuple(r) for r in shown[["班次", "预测受理量", "所需派单人数", "排班派单人数", "结论"]].itertuples(index=False)] == [
        ("夜班", "24", "1", "1", "够用"), ("早班", "174", "4", "3", "缺 1 人"), ("中班", "80", "2", "2", "够用")]


def test_projector_layout(app_db):
    """?projector=1: the agenda alone, as plain tables (large type), no forms or downloads."""
    from tests.support.crawl import problems

    at = app_as("supervisor", "pages/standup.py", query={"projector": "1"})
    assert not errors(at), errors(at)
    assert at.toggle(key="standup-projector").value is True
    heads = [h.value for h in at.subheader]
    assert [h for h in heads if h in AGENDA] == AGENDA and "明细" not in heads and "人员明细（昨日）" not in heads
    assert len(at.table) >= 4 and not at.dataframe
    assert not [b for b in at.button if b.key in ("act-add", "miss-to-action")]
    assert not at.get("download_button")
    assert problems(at) == []


def test_standup_add_and_update_action(app_db):
    at = app_as("supervisor", "pages/standup.py")
    at.text_input(key="act-owner").input("张主管")
    at.text_area(key="act-text").input("核查昨日超时工单")
    at.button(key="act-add").click().run()
    assert not errors(at), errors(at)
    assert any("已添加" in s.value for s in at.success)
    at = app_as("supervisor", "pages/standup.py")
    assert "核查昨日超时工单" in at.dataframe[-1].value.to_string() or any(
        "核查昨日超时工单" in df.value.to_string() for df in at.dataframe)


def test_standup_workbook_built_on_request_from_the_shown_pack(app_db):
    """The page run builds no workbook (the button's callable does, on click); the workbook is
    the pack the page shows."""
    calls = []
    real = report.render_standup_workbook
    report.render_standup_workbook = lambda pack: calls.append(pack) or real(pack)
    try:
        at = app_as("supervisor", "pages/standup.py")
        assert not errors(at), errors(at)
        assert calls == []
        now = APP_NOW
        wb = load_workbook(io.BytesIO(data.workbook(now.date(), now)))
    finally:
        report.render_standup_workbook = real
    assert len(calls) == 1
    pack = data.agenda(now.date(), now).pack
    todo = [r[0] for r in wb["待办工单"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert todo == list(pack.act_today["工单编号"]) and len(todo) > 0
    assert wb.sheetnames == list(report.SHEETS)


def test_projector_switch_sets_the_address(app_db):
    at = app_as("manager", "pages/standup.py")
    at.toggle(key="standup-projector").set_value(True).run()
    assert not errors(at), errors(at)
    assert at.query_params.get("projector") in ("1", ["1"]) and at.table and not at.dataframe
    at.toggle(key="standup-projector").set_value(False).run()
    assert "projector" not in at.query_params and at.dataframe
