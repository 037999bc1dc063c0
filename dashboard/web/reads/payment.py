"""Cached payment view (per contract month, instalments) and the date entry write."""
from __future__ import annotations

from datetime import datetime

from dashboard.services.assessment import payment_records, views
from dashboard.web.reads import assessment, cached, engine, writing


@cached(ttl="60s", max_entries=16, show_spinner=False)
def payment_view(now: datetime) -> views.PaymentView:
    with engine().connect() as conn:
        return views.payment_view(conn, now, result_of=lambda m: assessment.result(m, now))


def save_dates(**kwargs) -> None:
    with writing() as conn:
        payment_records.save_dates(conn, **kwargs)
    payment_view.clear()
