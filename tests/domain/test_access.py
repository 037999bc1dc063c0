"""The role × page matrix as the contract writes it, transcribed here independently of domain/access.py,
and the action matrix refuses unknown roles (default deny)."""
import pytest

from domain import access

ALL = {"leader", "reviewer", "manager", "supervisor", "analyst", "display", "admin"}
DESK = {"leader", "manager", "supervisor", "analyst", "reviewer", "admin"}
CONTRACT_MATRIX = {  # path → roles, as the contract writes them
    "": ALL - {"display"},
    "wall": {"display", "leader", "manager", "supervisor", "admin"},
    "backlog": DESK, "timeliness": DESK, "three-rates": DESK, "tickets": DESK, "hotspots": DESK,
    "staff": {"leader", "manager", "supervisor", "reviewer", "admin"},
    "standup": {"manager", "supervisor", "admin"},
    "shifts": {"leader", "manager", "supervisor", "reviewer", "admin"},
    "assessment": {"leader", "reviewer", "manager", "admin", "supervisor"},
    "payment": {"leader", "reviewer", "manager", "admin"},
    "compliance": {"leader", "reviewer", "manager", "admin"},
    "reports": DESK,
    "import": {"analyst", "admin"},
    "admin": {"admin"},
}


def test_every_design_path_is_a_page():
    assert {p.path for p in access.PAGES} == set(CONTRACT_MATRIX)


@pytest.mark.parametrize("path", sorted(CONTRACT_MATRIX))
@pytest.mark.parametrize("role", sorted(ALL | {"", "root", "Admin"}) + [None])
def test_page_matrix(path, role):
    page = next(p for p in access.PAGES if p.path == path)
    assert access.can_open(role, page.key) == (role in CONTRACT_MATRIX[path])


def test_supervisor_reads_assessment_only():
    assert access.is_read_only("supervisor", "assessment")
    assert not access.can("supervisor", "signoff_vendor") and not access.can("supervisor", "manual_item")


EXPECTED_ACTIONS = {
    "export": DESK, "import": {"analyst", "admin"}, "manual_item": {"reviewer", "admin"},
    "signoff_vendor": {"manager", "admin"}, "signoff_reviewer": {"reviewer", "admin"}, "unfreeze": {"admin"},
    "user_admin": {"admin"}, "rules_admin": {"admin"},
    "ledgers_read": DESK, "ledger_write": {"manager", "supervisor"},
}


@pytest.mark.parametrize("action", sorted(EXPECTED_ACTIONS))
@pytest.mark.parametrize("role", sorted(ALL | {"", "ghost"}))
def test_action_matrix(action, role):
    assert access.can(role, action) == (role in EXPECTED_ACTIONS[action])


def test_unknown_action_is_denied():
    assert not any(access.can(r, "launch_missiles") for r in ALL)
