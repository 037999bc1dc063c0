"""Every page, for every role that may open it, shows no developer text: no document section
numbers, no None/nan/NaT, no English widget text, no bare five-digit counts, no counts written as
floats or without separators. For one role a page is read in every view: each report kind, each
period of 人员绩效 and every tab of the tab sets that load when opened."""
import pytest

from domain.access import PAGES, ROLES, can_open
from tests.support.apptest import app_as, errors
from tests.support.crawl import every_view, problems
from tests.support.paths import ROOT

CASES = [(p.file, role) for p in PAGES for role in ROLES if can_open(role, p.key) and (ROOT / p.file).exists()]

# the role that reads a page in every view: the first of these that may open it
EVERY_VIEW_ROLES = ("manager", "admin", "analyst", "display")
# views chosen by a widget rather than a tab: widget key → each value
VARIANTS = {
    "pages/reports.py": [{"report_kind": kind} for kind in ("daily", "weekly", "monthly")],
    "pages/staff.py": [{"staff-kind": kind} for kind in ("day", "month")],
}


def reads_every_view(page: str, role: str) -> bool:
    key = next(p.key for p in PAGES if p.file == page)
    return role == next(r for r in EVERY_VIEW_ROLES if can_open(r, key))


@pytest.mark.parametrize(("page", "role"), CASES, ids=[f"{p.split('/')[-1][:-3]}-{r}" for p, r in CASES])
def test_page_shows_no_developer_text(app_db, page, role):
    at = app_as(role, page)
    views = every_view(at, VARIANTS.get(page)) if reads_every_view(page, role) else iter(["default"])
    seen = []
    for view in views:
        seen.append(view)
        assert not errors(at), (view, errors(at))
        assert problems(at) == [], view
    if page == "pages/reports.py" and role == "manager":     # the crawl reached the lazily loaded tabs
        assert {"report_kind=monthly/report_section_monthly=月度考核", "report_kind=daily/report_section_daily=人员",
                "report_kind=weekly/report_section_weekly=三率"} <= set(seen), seen


def test_every_view_opens_each_lazy_tab(app_db):
    """The timeliness page's tabs load when opened: the crawl opens each once."""
    at = app_as("manager", "pages/timeliness.py")
    assert list(every_view(at)) == ["default", "default/tl-tab=分组对比", "default/tl-tab=超时清单",
                                    "default/tl-tab=时段热力图"]
    assert at.session_state["tl-tab"] == "时段热力图" and not errors(at)


def test_no_page_uses_the_english_upload_box():
    """Uploads go through ui.file_uploader, which gives the box Chinese text."""
    offenders = [p.name for p in (ROOT / "pages").glob("*.py") if "st.file_uploader(" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_no_page_draws_a_table_around_the_shared_display():
    """Tables go through ui.dataframe, which writes counts with separators and blanks as 「—」."""
    files = [*(ROOT / "pages").glob("*.py"), *(ROOT / "dashboard" / "web").glob("*.py")]
    offenders = [p.name for p in files if p.name != "ui.py" and "st.dataframe(" in p.read_text(encoding="utf-8")]
    assert offenders == []
