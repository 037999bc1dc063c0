"""The app shell: login required, role-filtered navigation, refusal of typed URLs, overview."""
import pytest

from dashboard.infra.db import make_engine
from domain.access import PAGES, ROLES, can_open
from queries.schema import users
from tests.support.apptest import ROOT, app_as, errors, signin_form

EXISTING = [p for p in PAGES if (ROOT / p.file).exists()]


def test_anonymous_sees_login_form(app_db):
    at = app_as(None)
    assert not at.exception
    assert "name=\"username\"" in signin_form(at)
    assert not at.metric


@pytest.mark.parametrize("role", [r for r in ROLES if can_open(r, "overview")])
def test_overview_renders_for_allowed_roles(app_db, role):
    at = app_as(role, "pages/overview.py")
    assert not errors(at), errors(at)
    labels = [m.label for m in at.metric]
    assert {"今日受理", "在办积压", "超期", "即将超期"} <= set(labels)


def test_overview_refused_for_display(app_db):
    at = app_as("display", "pages/overview.py")
    assert at.error and "无权访问" in at.error[0].value
    assert not at.metric


REFUSED = [(role, page) for page in EXISTING for role in ROLES if not can_open(role, page.key)]


@pytest.mark.parametrize("role, page", REFUSED, ids=[f"{r}-{p.key}" for r, p in REFUSED])
def test_every_page_refuses_roles_outside_its_list(app_db, role, page):
    at = app_as(role, page.file)
    assert at.error and "无权访问" in at.error[0].value
    assert not at.dataframe and not at.metric


@pytest.mark.usefixtures("through_app")
def test_disabled_user_is_signed_out(app_db):
    eng = make_engine(app_db)
    at = app_as("analyst")
    assert at.metric
    with eng.begin() as conn:
        conn.execute(users.update().where(users.c.username == "u_analyst").values(active=False))
    try:
        at.run()
        assert not at.metric
        assert "name=\"username\"" in signin_form(at)
    finally:
        with eng.begin() as conn:
            conn.execute(users.update().where(users.c.username == "u_analyst").values(active=True))
