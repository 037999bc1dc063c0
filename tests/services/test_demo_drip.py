"""The demo's live-mode generator: its files go through the inbox feed, and the tickets move on
(签收, 派单, then 回复 and 办结 for most) only once the feed has imported them."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from dashboard.services.demo.drip import STEPS, Drip
from dashboard.services.feed import inbox
from queries.schema import import_log, ticket_events, tickets


def test_drip_rounds_flow_through_the_inbox_feed(sqlite_engine, tmp_path):
    drip = Drip(seed=7)
    start = datetime(2026, 12, 6, 10, 0, 0)
    rounds = STEPS[-1][1] + 1
    for k in range(rounds):
        now = start + timedelta(minutes=k)
        done = tmp_path / "done"
        imported = {p.name for p in done.iterdir()} if done.is_dir() else set()
        t_name, t_data, e_name, e_data = drip.round(now, imported)
        (tmp_path / t_name).write_bytes(t_data)
        if e_data:
            (tmp_path / e_name).write_bytes(e_data)
        inbox.process_ready(sqlite_engine, tmp_path, watch=inbox.SettleWatch(0.0))
    assert not (tmp_path / "failed").exists()
    with sqlite_engine.connect() as c:
        statuses = c.execute(sa.select(import_log.c.status)).scalars().all()
        assert statuses and set(statuses) == {"ok"}
        first = c.execute(sa.select(tickets.c.ticket_no, tickets.c.title, tickets.c.street)
                          .where(tickets.c.ticket_no.like("20261206936000_")).order_by(tickets.c.ticket_no)).all()
        assert first and all(t.title and t.street for t in first)
        # every ticket of the first round is signed and dispatched; those meant to close have closed
        actions = {no: [a for (a,) in c.execute(sa.select(ticket_events.c.action)
                                                .where(ticket_events.c.ticket_no == no)
                                                .order_by(ticket_events.c.at))]
                   for no, _, _ in first}
    for acts in actions.values():
        assert acts[:2] == ["SIGN", "DISPATCH"]
        assert acts[2:] in ([], ["REPLY", "CLOSE"])
    assert any(acts[2:] == ["REPLY", "CLOSE"] for acts in actions.values())
