"""The served application: Streamlit running app.py, plus the sign-in routes whose responses set the
session cookie (dashboard/web/signin_routes.py). Start it with `streamlit run serve.py` (the
service units and the compose file do); `streamlit run app.py` alone has no password sign-in."""
import streamlit as st

from dashboard.web.signin_routes import ROUTES

app = st.App("app.py", routes=ROUTES)
