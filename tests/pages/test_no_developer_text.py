"""Every page, for every role that may open it, shows no developer text: no document section
numbers, no None/nan, no English widget text, no bare five-digit counts."""
import pytest

from domain.access import PAGES, ROLES, can_open
from tests.support.apptest import app_as, errors
from tests.support.crawl import problems
from tests.support.paths import ROOT

CASES = [(p.file, role) for p in PAGES for role in ROLES if can_open(role, p.key) and (ROOT / p.file).exists()]


@pytest.mark.parametrize(("page", "role"), CASES, ids=[f"{p.split('/')[-1][:-3]}-{r}" for p, r in CASES])
def test_page_shows_no_developer_text(app_db, page, role):
    at = app_as(role, page)
    assert not errors(at), errors(at)
    assert problems(at) == []


def test_no_page_uses_the_english_upload_box():
    """Uploads go through ui.file_uploader, which gives the box Chinese text."""
    offenders = [p.name for p in (ROOT / "pages").glob("*.py") if "st.file_uploader(" in p.read_text(encoding="utf-8")]
    assert offenders == []
