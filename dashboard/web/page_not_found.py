"""An address that names no page (a mistyped or outdated link). Streamlit answers it with its own
English dialog; this app opens the first page and says so in Chinese instead: serve.py puts
`remember` in place of Streamlit's notice, and app.py shows `notice()` after its navigation."""
from __future__ import annotations

import streamlit as st

KEY = "hotline_page_not_found"
MESSAGE = "没有找到该地址对应的页面，已打开首页。"


def remember(_ctx=None) -> None:
    """Called by st.navigation, in the script's run, when the address names none of its pages."""
    st.session_state[KEY] = True


def notice() -> None:
    """Say it once, after the navigation of a signed-in user has run."""
    if st.session_state.pop(KEY, False):
        st.toast(MESSAGE, icon=":material/info:")


def forget() -> None:
    """The sign-in and second-factor steps answer every address with themselves: nothing to say."""
    st.session_state.pop(KEY, None)
