"""The served application: Streamlit running app.py, plus the sign-in routes whose responses set the
session cookie (dashboard/web/signin_routes.py). Start it with `streamlit run serve.py` (the
service units and the compose file do); `streamlit run app.py` alone has no password sign-in."""
import streamlit as st
from streamlit.commands import navigation
from streamlit.runtime.pages_manager import PagesManager

from dashboard.web import page_not_found
from dashboard.web.signin_routes import ROUTES

# app.py declares every page with st.navigation. Streamlit still treats a `pages/` folder beside the
# main script as the old folder-based multipage app until st.navigation has run once in this
# process, so the first visit after a start to a page's own URL (/assessment) ran that page's file
# on its own: no sign-in, no navigation, only its role check's refusal. Decided here, before any
# session, that this app does not use the folder mode.
PagesManager.uses_pages_directory = False
# An address naming no page gets a Chinese notice from app.py, not Streamlit's English dialog.
navigation.send_page_not_found = page_not_found.remember

app = st.App("app.py", routes=ROUTES)
