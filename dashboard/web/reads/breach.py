"""Cached reads of the breach forecast: the history counted once an hour (kept in the database for
every page and app instance of that hour), the tickets due each minute."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.services import breach_forecast
from dashboard.services import breach_history as kept_history
from dashboard.web.reads import cached, cached_query, engine, write_engine
from queries import breach

targets = cached_query(breach.breach_targets, ttl="60s", max_entries=16)


@cached(ttl="3600s", max_entries=4, show_spinner=False)
def history(hour: datetime) -> pd.DataFrame:
    """The history as of the start of `hour`: it moves slowly and is the forecast's costly read
    (a range of the last days' tickets), so it is counted once an hour — by the feed service, or
    by the first page of the hour, which keeps it for the others."""
    return kept_history.history(engine(), hour, keep=write_engine)


def forecast(now: datetime) -> breach_forecast.BreachForecast:
    return breach_forecast.build(history(kept_history.hour_start(now)), targets(now), now)
