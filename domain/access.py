"""Who may do what: the pages, roles and actions of docs/roles-and-pages.md. Default deny."""
from __future__ import annotations

from dataclasses import dataclass

ROLES = {
    "leader": "甲方领导",
    "reviewer": "甲方考核人员",
    "manager": "乙方项目经理",
    "supervisor": "乙方业务主管",
    "analyst": "数据分析专员",
    "display": "大屏账号",
    "admin": "系统管理员",
}

ALL_BUT_DISPLAY = ("leader", "reviewer", "manager", "supervisor", "analyst", "admin")
DESK = ("leader", "manager", "supervisor", "analyst", "reviewer", "admin")


@dataclass(frozen=True)
class Page:
    key: str
    path: str          # url_path without the leading slash ("" for the overview)
    title: str
    file: str          # script under pages/
    icon: str
    roles: tuple[str, ...]
    read_only_roles: tuple[str, ...] = ()


PAGES = [
    Page("overview", "", "总览", "pages/overview.py", ":material/dashboard:", ALL_BUT_DISPLAY),
    Page("wall", "wall", "大屏", "pages/wall.py", ":material/tv:",
         ("display", "leader", "manager", "supervisor", "admin")),
    Page("backlog", "backlog", "积压工单", "pages/backlog.py", ":material/inbox:", DESK),
    Page("timeliness", "timeliness", "时效分析", "pages/timeliness.py", ":material/timer:", DESK),
    Page("three-rates", "three-rates", "三率考评", "pages/three_rates.py", ":material/leaderboard:", DESK),
    Page("tickets", "tickets", "工单查询", "pages/tickets.py", ":material/search:", DESK),
    Page("hotspots", "hotspots", "热点诉求", "pages/hotspots.py", ":material/local_fire_department:", DESK),
    Page("staff", "staff", "人员绩效", "pages/staff.py", ":material/badge:",
         ("leader", "manager", "supervisor", "reviewer", "admin")),
    Page("standup", "standup", "班前会", "pages/standup.py", ":material/groups:",
         ("manager", "supervisor", "admin")),
    Page("shifts", "shifts", "排班与在岗", "pages/shifts.py", ":material/calendar_month:",
         ("leader", "manager", "supervisor", "reviewer", "admin")),
    Page("assessment", "assessment", "月度考核", "pages/assessment.py", ":material/fact_check:",
         ("leader", "reviewer", "manager", "admin", "supervisor"), read_only_roles=("supervisor",)),
    Page("payment", "payment", "付款核算", "pages/payment.py", ":material/payments:",
         ("leader", "reviewer", "manager", "admin")),
    Page("compliance", "compliance", "履约合规", "pages/compliance.py", ":material/verified:",
         ("leader", "reviewer", "manager", "admin")),
    Page("reports", "reports", "报表中心", "pages/reports.py", ":material/description:", DESK),
    Page("import", "import", "数据导入", "pages/import_data.py", ":material/upload_file:", ("analyst", "admin")),
    Page("admin", "admin", "系统管理", "pages/admin.py", ":material/admin_panel_settings:", ("admin",)),
]
PAGE_BY_KEY = {p.key: p for p in PAGES}

# Actions beyond viewing a page (docs/roles-and-pages.md). Each write re-checks these server-side.
ACTIONS = {
    "export": DESK,
    "import": ("analyst", "admin"),
    "manual_item": ("reviewer", "admin"),
    "signoff_vendor": ("manager", "admin"),
    "signoff_reviewer": ("reviewer", "admin"),
    "unfreeze": ("admin",),
    "payment_dates": ("reviewer", "admin"),
    "report_delivery": ("analyst", "manager", "supervisor", "admin"),
    "standup_actions": ("manager", "supervisor", "admin"),
    "user_admin": ("admin",),
    "rules_admin": ("admin",),
    # ledgers (docs/ledgers.md): read by the desk roles, written by the vendor's manager and supervisors
    "ledgers_read": DESK,
    "ledger_write": ("manager", "supervisor"),
}


def can_open(role: str | None, page_key: str) -> bool:
    page = PAGE_BY_KEY.get(page_key)
    return bool(role) and page is not None and role in ROLES and role in page.roles


def can(role: str | None, action: str) -> bool:
    return bool(role) and role in ROLES and role in ACTIONS.get(action, ())


def is_read_only(role: str | None, page_key: str) -> bool:
    page = PAGE_BY_KEY.get(page_key)
    return page is not None and role in page.read_only_roles


def pages_for(role: str | None) -> list[Page]:
    return [p for p in PAGES if can_open(role, p.key)]
