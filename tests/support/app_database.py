"""The page tests' database (the app_db fixture): a few days of demo data seen at APP_NOW, and one
signed-in user per role, `u_<role>`, all with PASSWORD."""
from datetime import date, datetime

from dashboard.services import users
from domain.access import ROLES

PASSWORD = "correct horse battery"
APP_NOW = datetime(2026, 1, 15, 10, 30)
DEMO = {"days": 6, "tickets_per_day": 80, "seed": 7, "end": date(2026, 1, 15), "now": APP_NOW}


def add_role_users(conn) -> None:
    for role in ROLES:
        users.add(conn, f"u_{role}", role, PASSWORD, display_name=f"测试{ROLES[role]}")
