"""Entry point: page config, login, role-aware navigation (docs/roles-and-pages.md), then the page runs.

Every page of domain.access.PAGES whose file exists is registered on every run, and the menu lists only those the
role may open; each page checks the role itself (dashboard.web.auth.require_role) on every run, so a
typed URL to another page is refused by that page rather than silently redirected.
"""
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import DBAPIError

from dashboard.web import auth, live, page_not_found, signin_page, ui
from dashboard.web.reads import calendar as calendar_reads
from dashboard.web.reads import now_minute, overview
from domain import access
from domain.calendar import WARNED_ROLES

ROOT = Path(__file__).parent

st.set_page_config(page_title="接诉即办运行监管平台", page_icon=":material/support_agent:", layout="wide")

# Table toolbars offer a raw CSV download that bypasses the formula guard of our exports
# (dashboard/services/exports/safe.py); every page has its own guarded export buttons instead.
st.html("<style>[data-testid='stElementToolbar'] button[aria-label='Download as CSV']{display:none!important}</style>")

KIOSK_ROLES = ("display",)   # the wall account's screen nobody touches: always kiosk


def hide_chrome() -> None:
    """A wall screen nobody touches: no menu, header or toolbar (static CSS, no user text)."""
    st.html("<style>[data-testid='stSidebar'],[data-testid='stHeader'],[data-testid='stToolbar'],"
            "[data-testid='stSidebarCollapsedControl']{display:none!important}"
            ".block-container{padding-top:1rem!important}</style>")


kiosk = st.query_params.get("kiosk") == "1"
if kiosk:
    hide_chrome()


def show_freshness() -> None:
    """The data-freshness badge on every page: amber after the rules' amber minutes or while a data
    feed is late, red after their red minutes."""
    now = now_minute()
    amber, red = overview.freshness_thresholds()
    ui.freshness_badge(ui.freshness(overview.latest_data_at(now), now, amber, red,
                                    feed_late=bool(overview.any_feed_late(now))))


NO_PAGES_MESSAGE = "当前账号没有可访问的页面，请联系系统管理员。"


def main() -> None:
    user = auth.current_user()
    if user is None:
        login = st.navigation(login_pages(), position="hidden")
        page_not_found.forget()
        login.run()
        st.stop()
    if user.needs_second_factor:
        verify = st.navigation([st.Page(lambda: second_factor_page(user), title="动态验证码", url_path="verify",
                                        default=True)], position="hidden")
        page_not_found.forget()
        verify.run()
        st.stop()

    global kiosk
    if user.role in KIOSK_ROLES and not kiosk:
        kiosk = True
        hide_chrome()
    existing = [p for p in access.PAGES if (ROOT / p.file).exists()]
    allowed = [p for p in existing if access.can_open(user.role, p.key)]
    current = st.navigation(navigation_pages(user, existing, allowed), position="hidden")
    page_not_found.notice()
    if not kiosk:
        sidebar(user, allowed)
    if not allowed:
        st.error(NO_PAGES_MESSAGE)
        st.stop()
    watch_for_outage(current)
    if not kiosk and user.role in WARNED_ROLES:
        warn_of_missing_calendar()
    current.run()


def warn_of_missing_calendar() -> None:
    """From 60 days before a year the calendar lacks (docs/lifecycle.md, working-day option)."""
    text = calendar_reads.warning_ahead(now_minute().date())
    if text:
        st.warning(text, icon=":material/event_busy:")


def login_page() -> None:
    """The centred sign-in page: single sign-on where configured, and the password form where some
    role may still use one; a refused sign-in says why under it."""
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        st.title("接诉即办运行监管平台")
        st.caption("通州区城市管理指挥中心 · 12345 接诉即办运行监管与考核")
        signin_page.single_sign_on()
        signin_page.password_form()


def login_pages() -> list:
    """Every page path shows the sign-in page while signed out, so a bookmarked URL (the wall PC's
    /wall?kiosk=1) never raises "page not found" and keeps its path for after sign-in."""
    def login_at(path: str):
        def page():
            login_page()
        page.__name__ = f"login_{path.replace('-', '_')}"
        return st.Page(page, title="登录", url_path=path)

    paths = [p.path for p in access.PAGES if p.path and (ROOT / p.file).exists()]
    return [st.Page(login_page, title="登录", url_path="login", default=True)] + [login_at(path) for path in paths]


def second_factor_page(user) -> None:
    """An admin (or any role that must) gives a TOTP code, or enrols, before any page opens."""
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        st.title("接诉即办运行监管平台")
        signin_page.second_factor_step(user)


def navigation_pages(user, existing: list, allowed: list) -> list:
    """Every existing page (each refuses a role that may not open it), and the home page.

    The overview is "/" for every role that may open it. Other roles (the wall account) land on a
    small start page that forwards to their first page, so that page keeps its own path: a page
    made default is served only at "/", and its own URL (/wall?kiosk=1) would say "page not found"."""
    overview_is_home = access.can_open(user.role, "overview")
    nav_pages = [st.Page(p.file, title=p.title, icon=p.icon,
                         url_path=(p.path or None) if overview_is_home else (p.path or "home"),
                         default=overview_is_home and p.key == "overview")
                 for p in existing]
    if not overview_is_home:
        nav_pages.insert(0, forwarding_start_page(allowed))
    return nav_pages


def forwarding_start_page(allowed: list):
    """Forwards to the first page the role may open, with the query parameters (?kiosk=1)."""
    def start_page():
        if allowed:
            st.switch_page(allowed[0].file, query_params=st.query_params.to_dict())
        st.error(NO_PAGES_MESSAGE)

    return st.Page(start_page, title="首页", url_path="start", default=True)


def sidebar(user, allowed: list) -> None:
    """Who is signed in, the data freshness, the pages the role may open and signing out."""
    with st.sidebar:
        st.markdown("### 接诉即办运行监管平台")
        st.caption(f"{user.display_name} · {user.role_label}")
        show_freshness()
        for p in allowed:
            st.page_link(p.file, label=p.title, icon=p.icon)
        st.divider()
        if st.button("退出登录", icon=":material/logout:", key="sign_out_button"):
            auth.sign_out(user)
            st.rerun()


def watch_for_outage(current) -> None:
    """Top of the page: filled as soon as a figure comes from the last good store (or the user
    could not be confirmed), naming when the oldest figure shown was read."""
    run = live.current_run()
    if run is not None and current.url_path != "wall":   # the wall shows its own outage banner
        run.banner = st.empty()
        run.watch(lambda r: ui.database_unavailable(True, r.oldest_read, into=r.banner))


with live.desk_run() as desk:
    try:
        main()
    except DBAPIError as error:
        # Database down at start-up or mid-session (with no last good figures for what was asked, or
        # a write), or a statement cancelled by the timeout: a banner, never a traceback; the next
        # run retries.
        timeout = ui.is_query_timeout(error)
        degraded = desk.degraded and not timeout
        with desk.banner if desk.banner is not None and not timeout else st.container():
            ui.database_error(error, showing_last=degraded, read_at=desk.oldest_read if degraded else None)
