"""A trickle of new tickets and their next steps, as inbox files, for the demo's live mode
(scripts/demo_drip.py drops one round a minute; docs/feed-inbox.md).

Each round makes a few tickets received in the last minute and moves earlier ones of this
drip a step on: 签收, then 派单, then (for most) 回复 and 办结 a few rounds later. Only tickets
the feed has already imported are moved on (their tickets file is in the inbox's done/), so an
events file never names a ticket the database does not know.
"""
from __future__ import annotations

import bisect
import csv
import io
import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dashboard.services import reference
from dashboard.services.demo import texts
from dashboard.services.demo.generator import APPEAL_TYPES, HEATING_L2, STREET_WEIGHTS, TIMELY_L2

TICKET_HEADERS = ["工单编号", "来电时间", "接收时间", "诉求类型", "紧急程度", "时限类型", "一级分类", "二级分类",
                  "三级分类", "标题", "主要内容", "诉求地址", "被反映街乡镇", "承办单位"]
EVENT_HEADERS = ["工单编号", "操作时间", "操作", "工号", "单位", "说明"]
NEW_PER_ROUND = (2, 5)
# rounds after its receipt at which a ticket takes each step
STEPS = (("SIGN", 1), ("DISPATCH", 2), ("REPLY", 5), ("CLOSE", 6))
CLOSED_SHARE = 0.7     # the others stay open (the wall's backlog grows a little)


@dataclass
class LiveTicket:
    ticket_no: str
    received_at: datetime
    unit: str
    tickets_file: str
    born_round: int
    closes: bool
    last_at: datetime
    next_step: int = 0


@dataclass
class Drip:
    seed: int = 2026
    dispatchers: list[str] = field(default_factory=list)
    rng: random.Random = field(init=False)
    round_no: int = 0
    tickets: list[LiveTicket] = field(default_factory=list)

    def __post_init__(self):
        self.rng = random.Random(self.seed)
        cats = [c for c in reference.CATEGORY_TREE if c[1] != HEATING_L2 and c[4] > 0]
        self._cats, self._cat_cum = cats, list(itertools.accumulate(c[4] for c in cats))
        self._streets = list(reference.STREET_NAMES)
        self._street_cum = list(itertools.accumulate(STREET_WEIGHTS.get(s, 2.0) for s in self._streets))
        self._appeals = [a for a, _ in APPEAL_TYPES]
        self._appeal_cum = list(itertools.accumulate(w for _, w in APPEAL_TYPES))
        self._communities = texts.communities(self.rng, self._streets)

    def _pick(self, cum: list[float], items: list):
        return items[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def new_tickets(self, now: datetime, tickets_file: str) -> list[dict]:
        """A few tickets received in the minute before `now` (rows with Chinese headers)."""
        rng = self.rng
        rows = []
        for i in range(rng.randint(*NEW_PER_ROUND)):
            received = now - timedelta(seconds=rng.randint(5, 55))
            l1, l2, l3, dept, _ = self._pick(self._cat_cum, self._cats)
            street = self._pick(self._street_cum, self._streets)
            unit = dept if dept and rng.random() < 0.75 else street
            appeal = "咨询" if l1 == "咨询类" else self._pick(self._appeal_cum, self._appeals)
            addr = texts.address(rng, street, self._communities[street])
            title, content = texts.body(rng, l3, appeal, addr, rain=False)
            # the day, 9 (no demo ticket has it there), the second of the day, the row
            no = f"{now:%Y%m%d}9{now.hour * 3600 + now.minute * 60 + now.second:05d}{i}"
            rows.append({"工单编号": no, "来电时间": _ts(received - timedelta(minutes=rng.randint(3, 20))),
                         "接收时间": _ts(received), "诉求类型": appeal, "紧急程度": "一般",
                         "时限类型": "及时" if l2 in TIMELY_L2 else "一般", "一级分类": l1, "二级分类": l2,
                         "三级分类": l3, "标题": title, "主要内容": content, "诉求地址": addr,
                         "被反映街乡镇": street, "承办单位": ""})
            self.tickets.append(LiveTicket(no, received, unit, tickets_file, self.round_no,
                                           rng.random() < CLOSED_SHARE, received))
        return rows

    def next_events(self, now: datetime, imported: set[str]) -> list[dict]:
        """The steps due this round of tickets already imported (their file in `imported`)."""
        rng = self.rng
        rows = []
        for t in self.tickets:
            if t.tickets_file not in imported:
                continue
            while t.next_step < len(STEPS):
                action, after_rounds = STEPS[t.next_step]
                if self.round_no - t.born_round < after_rounds or (action in ("REPLY", "CLOSE") and not t.closes):
                    break
                at = max(now - timedelta(seconds=rng.randint(1, 40)), t.last_at + timedelta(seconds=1))
                staff = rng.choice(self.dispatchers) if action in ("SIGN", "DISPATCH") and self.dispatchers else ""
                unit = t.unit if action in ("DISPATCH", "REPLY") else ""
                rows.append({"工单编号": t.ticket_no, "操作时间": _ts(at), "操作": action, "工号": staff,
                             "单位": unit, "说明": ""})
                t.last_at = at
                t.next_step += 1
        self.tickets = [t for t in self.tickets if t.next_step < len(STEPS) and (t.closes or t.next_step < 2)]
        return rows

    def round(self, now: datetime, imported: set[str]) -> tuple[str, bytes, str, bytes]:
        """One round: (tickets file name, its bytes, events file name, its bytes); events empty
        when nothing moves on."""
        events = self.next_events(now, imported)
        name = f"tickets-{now:%Y%m%d-%H%M%S}.csv"
        tickets = self.new_tickets(now, name)
        self.round_no += 1
        return name, csv_bytes(TICKET_HEADERS, tickets), f"events-{now:%Y%m%d-%H%M%S}.csv", (
            csv_bytes(EVENT_HEADERS, events) if events else b"")


def _ts(t: datetime) -> str:
    return f"{t:%Y-%m-%d %H:%M:%S}"


def csv_bytes(headers: list[str], rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=headers)
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")
