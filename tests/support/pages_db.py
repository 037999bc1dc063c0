"""A fresh, small SQLite database for page tests that write (imports) or need special tickets.

The session's app_db is shared by every page test, so tests that add rows use their own database:
HOTLINE_DB_URL points at it for the duration, and Streamlit's data caches are cleared on both ends
(cache keys carry the question, not the database).
"""
from __future__ import annotations

import os
from contextlib import contextmanager

import streamlit as st

from dashboard.infra.db import make_engine
from dashboard.services.bootstrap import init_db
from tests.support.app_database import add_role_users


@contextmanager
def fresh_app_db(path):
    url = f"sqlite:///{path}"
    eng = make_engine(url)
    init_db(eng)
    with eng.begin() as conn:
        add_role_users(conn)
    before = os.environ.get("HOTLINE_DB_URL")
    os.environ["HOTLINE_DB_URL"] = url
    st.cache_data.clear()
    try:
        yield eng
    finally:
        if before is None:
            os.environ.pop("HOTLINE_DB_URL", None)
        else:
            os.environ["HOTLINE_DB_URL"] = before
        st.cache_data.clear()
        eng.dispose()
