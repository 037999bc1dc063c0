"""Cached reads of the breach forecast: the history counted once an hour, the tickets due each minute."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.services import breach_forecast
from dashboard.web.reads import cached, cached_query, engine
from queries import breach

targets = cached_query(breach.breach_targets, ttl="60s", max_entries=16)


@cached(ttl="3600s", max_entries=4, show_spinner=False)
def history(hour: datetime) -> pd.DataFrame:
    """The history as of the start of `hour`: it moves slowly and is the forecast's costly read
    (a range of the last days' tickets), so it is counted once an hour."""
    with engine().connect() as conn:
        return breach.breach_history(conn, now=hour)


def forecast(now: datetime) -> breach_forecast.BreachForecast:
    return breach_forecast.build(history(now.replace(minute=0, second=0, microsecond=0)), targets(now), now)
