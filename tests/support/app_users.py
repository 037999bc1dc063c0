"""The signed-in users of page tests: one per role, `u_<role>`, all with PASSWORD."""
from dashboard.services import users
from domain.access import ROLES

PASSWORD = "correct horse battery"


def add_role_users(conn) -> None:
    for role in ROLES:
        users.add(conn, f"u_{role}", role, PASSWORD, display_name=f"测试{ROLES[role]}")
