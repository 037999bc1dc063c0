"""Cached payment view (per contract month, instalments) and the date entry write."""
from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard.assessment import payment_records, views
from dashboard.data import engine, write_engine


@st.cache_data(ttl="60s", max_entries=16, show_spinner=False)
def payment_view(now: datetime) -> views.PaymentView:
    with engine().connect() as conn:
        return views.payment_view(conn, now)


def save_dates(**kwargs) -> None:
    with write_engine().begin() as conn:
        payment_records.save_dates(conn, **kwargs)
    payment_view.clear()
