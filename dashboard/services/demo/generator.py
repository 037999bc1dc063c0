"""Realistic, deterministic-per-seed operations data for demos and benchmarks.

One `random.Random(seed)` drives everything, in a fixed order, so a seed always gives the same
tickets and events. Work is linear in the number of tickets: tickets are simulated day by day and
written in batches (with their events and derived facts) so memory stays flat at millions of rows.
"""
from __future__ import annotations

import bisect
import itertools
import marshal
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashboard.infra import settings
from dashboard.services import calendar_days, reference, rollups
from dashboard.services.assessment import settled_counts
from dashboard.services.bootstrap import init_db
from dashboard.services.demo import callers as demo_callers
from dashboard.services.demo import hotspot_burst, texts
from dashboard.services.demo import ledgers as demo_ledgers
from dashboard.services.demo import roster as demo_roster
from dashboard.services.demo.loader import Loader
from dashboard.services.facts import EVENT_CLOCK_COLUMNS, event_clock_rows, facts_row
from dashboard.services.rules_store import rules_for_month
from domain.calendar import is_working_day
from domain.lifecycle import TicketInput, derive
from domain.repeats import key_ok
from domain.vocabulary import SLA_CLASSES
from queries.schema import (
    breach_history_snapshots,
    categories,
    day_counts,
    equipment,
    event_clocks,
    kept_figures,
    manual_items,
    metadata,
    qc_measures,
    reports,
    rollup_daily,
    rollup_day_totals,
    rollup_hourly,
    shift_handovers,
    shifts,
    special_flags,
    staff,
    ticket_events,
    ticket_facts,
    tickets,
    units,
)

MIN = 60
HOUR = 3600
DAY = 86400
BATCH_TICKETS = 20000

# Share of a day's intake per hour: peaks 9–11 and 14–16, 00–06 together ≈ 3–4 %.
HOUR_WEIGHTS = [0.9, 0.55, 0.4, 0.35, 0.4, 0.75, 1.2, 3.0, 5.6, 8.2, 8.6, 7.6, 5.2, 5.8, 7.6, 8.1,
                7.0, 5.6, 4.4, 4.0, 3.6, 3.0, 2.2, 1.4]
# Extra intake of a surge day lands in working hours.
SURGE_HOUR_WEIGHTS = [0] * 8 + [6, 10, 11, 10, 7, 8, 10, 10, 8, 5] + [0] * 6
WEEKDAY_FACTOR = (1.15, 1.0, 1.0, 1.0, 1.0, 0.75, 0.75)
_WEEK_MEAN = sum(WEEKDAY_FACTOR) / 7
SURGE_FACTOR = 1.8
RAIN_FACTOR = 1.6

# Intake of each 街乡镇 relative to the others: the big towns carry the most.
STREET_WEIGHTS = {
    "梨园镇": 9.0, "永顺镇": 8.5, "马驹桥镇": 7.5, "台湖镇": 7.0, "宋庄镇": 6.5, "张家湾镇": 5.5,
    "潞城镇": 5.0, "九棵树街道": 4.0, "北苑街道": 3.8, "玉桥街道": 3.6, "中仓街道": 3.4,
    "新华街道": 3.0, "临河里街道": 3.2, "通运街道": 2.8, "杨庄街道": 2.8, "潞源街道": 2.6,
    "文景街道": 2.6, "潞邑街道": 2.5, "漷县镇": 1.6, "西集镇": 1.5, "永乐店镇": 1.0, "于家务回族乡": 0.9,
}
HEATING_L2 = "供暖"
TIMELY_L2 = {"供暖", "供排水", "供电", "燃气"}          # 水电气热 → 及时 (24 h)
HARD_L2 = {"违法建设", "拖欠工资", "单用途预付卡", "校外培训"}  # more often 疑难
RAIN_L3 = ("停水与水质", "停电", "树木修剪", "物业服务")
APPEAL_TYPES = (("投诉", 45), ("求助", 22), ("举报", 10), ("咨询", 12), ("建议", 6), ("其他", 5))

TICKET_COLUMNS = ["ticket_no", "called_at", "received_at", "appeal_type", "urgency", "sla_class",
                  "category_l1", "category_l2", "category_l3", "title", "content", "address", "street",
                  "unit", "in_assessment", "callback_at", "callback_valid", "contacted", "resolved",
                  "satisfaction", "deadline_at", *demo_callers.COLUMNS]
STAFF_COLUMNS = ["staff_no", "name", "role", "team", "education", "full_time", "years_experience",
                 "team_size_managed", "management_years", "typing_speed", "hired_on", "left_on"]
EVENT_COLUMNS = ["ticket_no", "at", "action", "staff_no", "unit", "detail"]


class DemoError(ValueError):
    """Refused demo parameters (message for the operator)."""


@dataclass
class DemoResult:
    start: date
    end: date
    now: datetime
    tickets: int
    events: int
    staff: int
    shifts: int
    reports: int
    seconds: float


# --- calendar of the synthetic world -----------------------------------------------------------

def surge_days(end: date, days: int) -> list[date]:
    """The built-in surge day of a window of `days` days ending on `end` (a working weekday)."""
    if days < 1:
        return []
    start = end - timedelta(days=days - 1)
    day = end - timedelta(days=10 if days > 12 else days // 2)
    for step in (0, -1, 1, -2, 2, -3, 3):   # avoid weekends: 1.8× a weekend is not a surge
        cand = day + timedelta(days=step)
        if start <= cand <= end and cand.weekday() < 5:
            return [cand]
    return [day]


def rain_days(start: date, end: date, seed: int) -> list[date]:
    """Rainstorm days in July/August: four per year, chosen per (seed, year), not per window."""
    out = []
    for year in range(start.year, end.year + 1):
        rng = random.Random(seed * 7919 + year)
        summer = [date(year, 7, 1) + timedelta(days=i) for i in range(62)]
        out += [d for d in sorted(rng.sample(summer, 4)) if start <= d <= end]
    return out


def heating_extra(day: date) -> float:
    """Extra 供暖 intake as a share of the base: the season starts on 15 November with a jump."""
    md = (day.month, day.day)
    if (11, 15) <= md <= (11, 30):
        return 0.30
    if day.month in (12, 1, 2):
        return 0.15
    if (3, 1) <= md <= (3, 15):
        return 0.08
    if (11, 1) <= md < (11, 15):
        return 0.02   # trial heating
    return 0.0


def day_factor(day: date) -> float:
    if is_working_day(day):
        f = WEEKDAY_FACTOR[day.weekday()]
        return max(f, 1.0) if day.weekday() >= 5 else f   # 调休 make-up weekend days are ordinary
    return WEEKDAY_FACTOR[6]


# --- the simulation ----------------------------------------------------------------------------

def _after(x: datetime, seconds: float) -> datetime:
    """`seconds` later, in whole seconds and at least one."""
    return x + timedelta(seconds=max(1, int(seconds)))


class _World:
    def __init__(self, rng: random.Random, roster: demo_roster.Roster, rules, cutoff: datetime):
        self.rng = rng
        self.roster = roster
        self.rules = rules
        self.cutoff = cutoff
        self.present = roster.present
        cats = [c for c in reference.CATEGORY_TREE if c[1] != HEATING_L2 and c[4] > 0]
        self.cats = cats
        self.cat_cum = list(itertools.accumulate(c[4] for c in cats))
        self.heat_cats = [c for c in reference.CATEGORY_TREE if c[1] == HEATING_L2]
        self.rain_cats = [c for c in reference.CATEGORY_TREE if c[2] in RAIN_L3]
        self.streets = list(reference.STREET_NAMES)
        self.street_cum = list(itertools.accumulate(STREET_WEIGHTS.get(s, 2.0) for s in self.streets))
        self.communities = texts.communities(rng, self.streets)
        self.appeal_names = [a for a, _ in APPEAL_TYPES]
        self.appeal_cum = list(itertools.accumulate(w for _, w in APPEAL_TYPES))
        self.hour_cum = list(itertools.accumulate(HOUR_WEIGHTS))
        self.surge_cum = list(itertools.accumulate(SURGE_HOUR_WEIGHTS))
        self.all_units = list(reference.DEPARTMENTS) + self.streets
        self.close_limit = {k: rules.close_limit(k) for k in SLA_CLASSES}
        self.version_id = rules.version_id

    # who does a vendor action at moment t (present on that day's shift); O(1)
    def actor(self, t: datetime, role: str) -> str:
        people = self.present.get((t.toordinal(), t.hour // 8, role))
        if not people:
            return ""   # beyond the planned days: the event lies after the cutoff and is dropped
        return self.rng.choice(people)

    def pick(self, cum: list[float], items: list):
        return items[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def day_times(self, day: date, n_normal: int, n_surge: int) -> list[datetime]:
        rng = self.rng
        base = datetime(day.year, day.month, day.day)
        secs = []
        for cum, n in ((self.hour_cum, n_normal), (self.surge_cum, n_surge)):
            total = cum[-1]
            for _ in range(n):
                h = bisect.bisect(cum, rng.random() * total)
                secs.append(h * HOUR + rng.randrange(HOUR))
        secs.sort()
        return [base + timedelta(seconds=s) for s in secs]

    def ticket(self, no: str, received: datetime, *, heating: bool, rain: bool):
        """One ticket row (dict) and its event tuples (at, action, staff_no, unit, detail), cut at the cutoff."""
        rng = self.rng
        if heating:
            cat = rng.choice(self.heat_cats)
        elif rain:
            cat = rng.choice(self.rain_cats)
        else:
            cat = self.pick(self.cat_cum, self.cats)
        l1, l2, l3, dept, _ = cat
        street = self.pick(self.street_cum, self.streets)
        unit = dept if dept and rng.random() < 0.75 else street
        appeal = "咨询" if l1 == "咨询类" else self.pick(self.appeal_cum, self.appeal_names)
        urgent = rng.random() < 0.03
        urgency = "紧急" if urgent else "一般"
        if urgent:
            sla = "紧急"
        elif l2 in TIMELY_L2:
            sla = "及时"
        elif rng.random() < (0.25 if l2 in HARD_L2 else 0.03):
            sla = "疑难"
        else:
            sla = "一般"
        addr = texts.address(rng, street, self.communities[street])
        title, content = texts.body(rng, l3, appeal, addr, rain)
        t = dict(ticket_no=no, called_at=received - timedelta(seconds=rng.randint(3 * MIN, 40 * MIN)),
                 received_at=received, appeal_type=appeal, urgency=urgency, sla_class=sla,
                 category_l1=l1, category_l2=l2, category_l3=l3, title=title, content=content,
                 address=addr, street=street, unit=None, in_assessment=rng.random() < 0.95,
                 callback_at=None, callback_valid=False, contacted=False, resolved=False,
                 satisfaction=None, deadline_at=None)
        ev = self.lifecycle(t, received, urgent, sla, unit)
        return t, ev

    def lifecycle(self, t: dict, received: datetime, urgent: bool, sla: str, unit: str) -> list[tuple]:
        """The ticket's event tuples (at, action, staff_no, unit, detail); fills t's callback columns.

        The steps draw from self.rng one after another, always in this order, so a seed gives the same
        data: moving a step or a draw changes every ticket after it."""
        ev: list[tuple] = []
        signed = self._sign(ev, received, urgent)
        dispatch_at = self._return_request_or_dispatch_time(ev, received, signed, urgent)
        if dispatch_at is None:
            return ev   # the city approved the return: the ticket left the district
        handled_from = self._dispatch(ev, dispatch_at, urgent, unit)
        limit = self.close_limit[sla]
        ext_days, ext_approved_at = self._extension(ev, received, handled_from, sla, unit, limit)
        span = limit + ext_days * DAY
        reply = self._reply_at(received, handled_from, urgent, limit, span, ext_days, ext_approved_at)
        self._contact(ev, received, handled_from, reply, urgent, unit)
        self._urge(ev, received, handled_from, reply, span, urgent, unit)
        ev.append((reply, "REPLY", "", unit, ""))
        closed = self.qc_and_close(ev, reply, urgent, unit, allow_reject=True)
        closed = self._reopen(t, ev, closed, urgent, unit)
        self.callback(t, closed)
        self._verification(ev, closed)
        return ev

    def _sign(self, ev: list, received: datetime, urgent: bool) -> datetime:
        """签收: almost always within 30 minutes, a few late."""
        rng = self.rng
        if rng.random() < 0.015:
            s = _after(received, rng.uniform(31 * MIN, 80 * MIN))
        else:
            s = _after(received, rng.expovariate(1 / (3 * MIN if urgent else 7 * MIN)))
            s = min(s, received + timedelta(seconds=29 * MIN + rng.randrange(MIN)))
        ev.append((s, "SIGN", self.actor(s, demo_roster.DISPATCHER), "", ""))
        return s

    def _return_request_or_dispatch_time(self, ev: list, received: datetime, signed: datetime,
                                          urgent: bool) -> datetime | None:
        """When the ticket is dispatched; a few non-urgent ones are first asked back by the city
        (None: the city approved, there is no dispatch)."""
        if not urgent and self.rng.random() < 0.05:
            return self._return_request(ev, received, signed)
        return self._dispatch_time(received, signed, urgent)

    def _return_request(self, ev: list, received: datetime, signed: datetime) -> datetime | None:
        """申请退单 and the city's decision; the dispatch time after a rejection, None after an approval."""
        rng = self.rng
        if rng.random() < 0.04:
            rr = _after(received, rng.uniform(2 * HOUR + MIN, 4 * HOUR))
        else:
            rr = _after(signed, rng.uniform(8 * MIN, 80 * MIN))
        ev.append((rr, "RETURN_REQUEST", self.actor(rr, demo_roster.RETURNER), "", rng.choice(texts.RETURN_REASONS)))
        decided = _after(rr, rng.uniform(1 * HOUR, 6 * HOUR))
        if rng.random() < 0.86:
            ev.append((decided, "RETURN_APPROVED", "", "", ""))
            return None
        ev.append((decided, "RETURN_REJECTED", "", "", "不符合退单条件，请区级派单办理"))
        return _after(decided, rng.uniform(5 * MIN, 40 * MIN))

    def _dispatch_time(self, received: datetime, signed: datetime, urgent: bool) -> datetime:
        """派单 time: mostly within the 2-hour limit, a few late."""
        rng = self.rng
        if urgent:
            return _after(signed, rng.uniform(2 * MIN, 20 * MIN))
        if rng.random() < 0.02:
            return _after(received, rng.uniform(2 * HOUR + MIN, 5 * HOUR))
        d = _after(signed, rng.expovariate(1 / (15 * MIN)))
        d = min(d, received + timedelta(seconds=2 * HOUR - rng.randrange(10 * MIN)))
        if d <= signed:
            d = _after(signed, 30)
        return d

    def _dispatch(self, ev: list, dispatch_at: datetime, urgent: bool, unit: str) -> datetime:
        """派单, sometimes to the wrong unit (→ 区内退单 → 改派); returns when the right unit has it."""
        rng = self.rng
        redispatch = rng.random() < 0.042
        first_unit = rng.choice([u for u in self.all_units[:8] if u != unit] or [unit]) if redispatch else unit
        ev.append((dispatch_at, "DISPATCH", self.actor(dispatch_at, demo_roster.DISPATCHER), first_unit, ""))
        if not redispatch:
            return dispatch_at
        ur = _after(dispatch_at, rng.uniform(20 * MIN, 6 * HOUR) if not urgent else rng.uniform(3 * MIN, 10 * MIN))
        ev.append((ur, "UNIT_RETURN", "", first_unit, rng.choice(texts.UNIT_RETURN_REASONS)))
        redispatched = _after(ur, rng.uniform(5 * MIN, 40 * MIN) if not urgent else rng.uniform(1 * MIN, 5 * MIN))
        ev.append((redispatched, "REDISPATCH", self.actor(redispatched, demo_roster.DISPATCHER), unit, ""))
        return redispatched

    def _extension(self, ev: list, received: datetime, handled_from: datetime, sla: str, unit: str,
                   limit: int) -> tuple[int, datetime | None]:
        """延期 of 7- and 15-day tickets: (approved days, when approved), (0, None) without one."""
        rng = self.rng
        if sla in ("一般", "疑难") and rng.random() < 0.03:
            days = rng.choice((3, 5, 7, 10))
            er = received + timedelta(seconds=int(limit * rng.uniform(0.5, 0.8)))
            if er > handled_from:
                ev.append((er, "EXTEND_REQUEST", "", unit, str(days)))
                if rng.random() < 0.85:
                    approved_at = _after(er, rng.uniform(2 * HOUR, 20 * HOUR))
                    ev.append((approved_at, "EXTEND_APPROVED", "", "", str(days)))
                    return days, approved_at
        return 0, None

    def _reply_at(self, received: datetime, handled_from: datetime, urgent: bool, limit: int, span: int,
                  ext_days: int, ext_approved_at: datetime | None) -> datetime:
        """回复 time: mostly well inside the limit, a real tail of breaches."""
        rng = self.rng
        if ext_days:
            reply = received + timedelta(seconds=int(span * rng.uniform(0.8, 0.97)))
        elif rng.random() < (0.08 if urgent else 0.04):
            reply = received + timedelta(seconds=int(limit * rng.uniform(0.96, 1.35)))
        elif urgent:
            reply = received + timedelta(seconds=int(limit * rng.uniform(0.3, 0.7)))
        else:
            reply = received + timedelta(seconds=int(limit * (0.04 + 0.7 * rng.random() ** 1.6)))
        if ext_approved_at and reply <= ext_approved_at:
            reply = _after(ext_approved_at, rng.uniform(HOUR, 6 * HOUR))
        if reply <= handled_from + timedelta(minutes=10):
            reply = _after(handled_from, rng.uniform(10 * MIN, 40 * MIN) if not urgent else rng.uniform(5 * MIN, 15 * MIN))
        return reply

    def _contact(self, ev: list, received: datetime, handled_from: datetime, reply: datetime, urgent: bool,
                 unit: str) -> None:
        """联系诉求人 before the reply; a few after the response limit."""
        rng = self.rng
        response_limit = 2 * HOUR if urgent else 24 * HOUR
        if not urgent and rng.random() < 0.03:
            c = received + timedelta(seconds=int(rng.uniform(response_limit + MIN, response_limit + 16 * HOUR)))
        elif urgent:
            c = _after(handled_from, rng.uniform(2 * MIN, 15 * MIN))
        else:
            c = _after(handled_from, rng.expovariate(1 / (4 * HOUR)))
        if c >= reply:
            c = handled_from + (reply - handled_from) * rng.uniform(0.2, 0.8)
            c = c.replace(microsecond=0)
        ev.append((c, "CONTACT", "", unit, ""))

    def _urge(self, ev: list, received: datetime, handled_from: datetime, reply: datetime, span: int,
              urgent: bool, unit: str) -> None:
        """催办 when the reply drags into the at-risk window, and a few citizen-driven urges."""
        rng = self.rng
        at_risk = received + timedelta(seconds=int(span * 0.8))
        if reply > at_risk and rng.random() < 0.7:
            u = _after(at_risk, min((reply - at_risk).total_seconds() * 0.5, 4 * HOUR) * rng.random())
            if u < reply:
                ev.append((u, "URGE", self.actor(u, demo_roster.DISPATCHER), unit, ""))
        elif not urgent and rng.random() < 0.02:
            u = handled_from + (reply - handled_from) * rng.uniform(0.3, 0.9)
            ev.append((u.replace(microsecond=0), "URGE", self.actor(u, demo_roster.DISPATCHER), unit, ""))

    def _reopen(self, t: dict, ev: list, closed: datetime, urgent: bool, unit: str) -> datetime:
        """The city may reopen: 市级审核退回 (city_qc) or an unhappy callback. Returns the last closure."""
        rng = self.rng
        r = rng.random()
        if r < 0.015:
            ro = _after(closed, rng.uniform(4 * HOUR, 36 * HOUR))
            ev.append((ro, "REOPEN", "", "", "city_qc"))
            return self.redo(ev, ro, urgent, unit)
        if r < 0.035:
            cb = _after(closed, rng.uniform(4 * HOUR, 48 * HOUR))
            if cb <= self.cutoff:
                t.update(callback_at=cb, callback_valid=True, contacted=True, resolved=False,
                         satisfaction="不满意")
            ro = _after(cb, rng.uniform(10 * MIN, 3 * HOUR))
            ev.append((ro, "REOPEN", "", "", "callback"))
            return self.redo(ev, ro, urgent, unit)
        return closed

    def _verification(self, ev: list, closed: datetime) -> None:
        """协查: a supervisor assigns a verifier for about one in ten closures."""
        rng, actor = self.rng, self.actor
        if rng.random() >= 0.10:
            return
        va = _after(closed, rng.uniform(1 * HOUR, 20 * HOUR))
        if rng.random() < 0.04:
            vd = _after(va, rng.uniform(49 * HOUR, 80 * HOUR))
        else:
            vd = _after(va, rng.uniform(2 * HOUR, 40 * HOUR))
        # the verifier is whoever will be on duty when it is done (someone on duty now if
        # that lies beyond the generated days)
        verifier = actor(vd, demo_roster.VERIFIER) or actor(va, demo_roster.VERIFIER)
        ev.append((va, "VERIFY_ASSIGN", actor(va, demo_roster.SUPERVISOR), "", verifier))
        r = rng.random()
        outcome = "属实" if r < 0.85 else ("不属实" if r < 0.95 else "无法核实")
        ev.append((vd, "VERIFY_DONE", verifier, "", outcome))

    def qc_and_close(self, ev: list, reply: datetime, urgent: bool, unit: str, allow_reject: bool) -> datetime:
        rng, actor = self.rng, self.actor
        td = timedelta
        while True:
            if urgent:
                q = reply + td(seconds=rng.randint(3 * MIN, 15 * MIN))
            elif rng.random() < 0.02:
                q = reply + td(seconds=rng.randint(2 * HOUR + MIN, 5 * HOUR))
            else:
                q = reply + td(seconds=1 + min(int(rng.expovariate(1 / (25 * MIN))), 2 * HOUR - 60))
            if allow_reject and rng.random() < 0.062:
                ev.append((q, "QC_REJECT", actor(q, demo_roster.QC), "", rng.choice(texts.QC_DEFECTS)))
                allow_reject = False
                reply = q + td(seconds=rng.randint(10 * MIN, 30 * MIN) if urgent else rng.randint(2 * HOUR, 30 * HOUR))
                ev.append((reply, "REPLY", "", unit, ""))
                continue
            ev.append((q, "QC_PASS", actor(q, demo_roster.QC), "", ""))
            c = q + td(seconds=rng.randint(1 * MIN, 8 * MIN) if urgent else rng.randint(3 * MIN, 60 * MIN))
            role = demo_roster.DISPATCHER if rng.random() < 0.5 else demo_roster.QC
            ev.append((c, "CLOSE", actor(c, role), "", ""))
            return c

    def redo(self, ev: list, reopened: datetime, urgent: bool, unit: str) -> datetime:
        reply = reopened + timedelta(seconds=self.rng.randint(2 * HOUR, 48 * HOUR))
        ev.append((reply, "REPLY", "", unit, ""))
        return self.qc_and_close(ev, reply, urgent, unit, allow_reject=False)

    def callback(self, t: dict, closed: datetime) -> None:
        """The city's 回访 after the (last) closure; about 75 % are valid."""
        rng = self.rng
        cb = closed + timedelta(seconds=rng.randint(4 * HOUR, 72 * HOUR))
        valid = rng.random() < 0.75
        contacted = rng.random() < 0.97
        resolved = contacted and rng.random() < 0.95
        r = rng.random()
        if resolved:
            sat = "满意" if r < 0.90 else ("基本满意" if r < 0.98 else "不满意")
        else:
            sat = "满意" if r < 0.2 else ("基本满意" if r < 0.5 else "不满意")
        if cb > self.cutoff:
            return
        if valid:
            t.update(callback_at=cb, callback_valid=True, contacted=contacted, resolved=resolved, satisfaction=sat)
        elif t["callback_at"] is None:
            t.update(callback_at=cb, callback_valid=False, contacted=False, resolved=False, satisfaction=None)


# --- the whole load ----------------------------------------------------------------------------

OPERATIONAL_TABLES = (breach_history_snapshots, kept_figures, special_flags, shift_handovers, qc_measures, day_counts, rollup_daily, rollup_day_totals, rollup_hourly, event_clocks, ticket_facts, ticket_events, tickets,
                      shifts, reports, manual_items, equipment, staff)


def clear_operational(conn: Connection) -> None:
    """Remove the previous operational data; users, audit log and rules stay."""
    Loader(conn).clear(list(OPERATIONAL_TABLES), metadata)


def check_params(days: int, tickets_per_day: int) -> None:
    if not 1 <= days <= 3660:
        raise DemoError("天数 --days 须在 1 到 3660 之间")
    if not 1 <= tickets_per_day <= 100000:
        raise DemoError("每日工单数 --tickets-per-day 须在 1 到 100000 之间")


# tickets a day of a window given in days, and of the default window (the contract year so far):
# a real district sees about 1,000–1,500 a day; a year at 1,000 is a third smaller and faster to
# build than at 1,500 (docs/cli.md, demo)
TICKETS_PER_DAY = 1500
CONTRACT_YEAR_TICKETS_PER_DAY = 1000


def contract_year_days(conn: Connection, end: date) -> int:
    """Days from the first day of the contract (the rules' contract_start month) up to `end`."""
    year, month = (int(x) for x in rules_for_month(conn, None).contract_start.split("-"))
    first = date(year, month, 1)
    if end < first:
        raise DemoError(f"结束日期 {end} 早于合同开始日期 {first}，请用 --days 指定天数")
    return (end - first).days + 1


def generate(engine: Engine, *, days: int | None = None, tickets_per_day: int | None = None, seed: int = 12345,
             end: date | None = None, now: datetime | None = None, progress=None) -> DemoResult:
    """Initialise the schema and replace the operational data with a synthetic window.

    `days` None: the contract year so far, from the first day of the contract (the rules' contract
    start) up to `end`, so that every contract month up to it has data. `tickets_per_day` None:
    TICKETS_PER_DAY for a window given in days, CONTRACT_YEAR_TICKETS_PER_DAY for the contract year.
    `now` is the moment the data is as of (default: the end of `end`, or the current time when
    `end` is today); nothing happens after it, so tickets near it are still open.
    """
    end = end or date.today()
    if tickets_per_day is None:
        tickets_per_day = TICKETS_PER_DAY if days is not None else CONTRACT_YEAR_TICKETS_PER_DAY
    if days is not None:
        check_params(days, tickets_per_day)   # before touching the database
    init_db(engine)
    if days is None:
        with engine.connect() as conn:
            days = contract_year_days(conn, end)
    check_params(days, tickets_per_day)
    if now is None:
        end_of_day = datetime(end.year, end.month, end.day, 23, 59, 59)
        now = min(end_of_day, datetime.now().replace(microsecond=0))
    with engine.connect() as conn:
        rollback_journal = _rollback_journal(conn)
        try:
            with conn.begin():
                result = generate_into(conn, days=days, tickets_per_day=tickets_per_day, seed=seed, end=end,
                                       now=now, progress=progress)
        finally:
            if rollback_journal:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                conn.commit()
    vacuum(engine)
    return result


def _rollback_journal(conn: Connection) -> bool:
    """SQLite: load with a rollback journal when nobody else has the file open. In WAL mode a
    load writes every page twice (into the log, then the checkpoint copies it): 40 s of a
    3-million-ticket demo. The journal only keeps the pages the load changes, which in an emptied
    database are few. With the app running the switch is refused and the load stays in WAL."""
    if conn.dialect.name != "sqlite":
        return False
    try:
        mode = conn.exec_driver_sql("PRAGMA journal_mode=DELETE").scalar()
    except sa.exc.OperationalError:
        mode = None
    conn.commit()
    return str(mode).lower() == "delete"


def vacuum(engine: Engine) -> None:
    """PostgreSQL: VACUUM (ANALYZE) the bulk-loaded tables, outside the load's transaction. Until
    the visibility map is set, index-only scans read the table rows anyway (autovacuum would get
    there eventually; a dashboard should not wait for it)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for t in (tickets, ticket_events, ticket_facts, event_clocks, rollup_daily, rollup_day_totals, rollup_hourly, shifts, reports):
            conn.exec_driver_sql(f'VACUUM (ANALYZE) "{t.name}"')


def generate_into(conn: Connection, *, days: int, tickets_per_day: int, seed: int, end: date, now: datetime,
                  progress=None, parallel: bool | None = None) -> DemoResult:
    """`parallel`: simulate in a forked producer process while this one writes (default: for
    windows of more than two batches, where the fork pays off). The data is the same either way."""
    check_params(days, tickets_per_day)
    started = time.perf_counter()
    start = end - timedelta(days=days - 1)
    if now < datetime(start.year, start.month, start.day):
        raise DemoError("数据截止时间早于生成窗口的第一天")
    rng = random.Random(seed)
    rules = rules_for_month(conn)
    calendar_days.load(conn)     # the roster, intake and deadlines count the calendar table's days
    roster = demo_roster.build(rng, start, days)
    world = _World(rng, roster, rules, now)

    clear_operational(conn)
    loader = Loader(conn)
    loader.write(staff, STAFF_COLUMNS, [tuple(s[c] for c in STAFF_COLUMNS) for s in roster.staff])
    loader.write(shifts, ["staff_no", "day", "shift", "present"],
                 [(s["staff_no"], s["day"], s["shift"], s["present"]) for s in roster.shifts])
    reference.seed_equipment(conn, since=start - timedelta(days=30))
    n_reports = _write_reports(conn, loader, rng, roster, start, end, now, seed)
    _write_manual_items(conn, start, end, now)

    key = settings.pii_key()
    plan = _Plan(world=world, rng=rng, rules=rules, start=start, end=end, days=days, now=now, seed=seed,
                 tickets_per_day=tickets_per_day, dialect=conn.dialect.name,
                 callers=demo_callers.Callers(seed, key if key_ok(key) else None))
    n_tickets = n_events = 0
    with loader.bulk(tickets, ticket_events, ticket_facts, event_clocks):
        for batch in _batches(plan, parallel=parallel):
            loader.write_prepared(tickets, TICKET_COLUMNS, batch.tickets)
            loader.write_prepared(ticket_events, EVENT_COLUMNS, batch.events)
            if batch.facts:
                loader.write_prepared(ticket_facts, batch.facts_columns, batch.facts)
            loader.write_prepared(event_clocks, EVENT_CLOCK_COLUMNS, batch.clocks)
            n_tickets, n_events = batch.n_tickets, batch.n_events
            if progress:
                progress(batch.day, n_tickets, n_events)
    rollups.rebuild_all(conn)
    settled_counts.refill(conn, now)
    demo_ledgers.write(conn, seed=seed, end=end, now=now)
    # every table the pages join: without statistics PostgreSQL guesses 1 row for `units` and
    # re-runs a whole aggregate per unit (三率 ranking 3.5 s instead of 0.15 s)
    loader.analyze(tickets, ticket_events, ticket_facts, event_clocks, rollup_daily, rollup_day_totals, rollup_hourly, staff, shifts, reports,
                   units, categories)
    return DemoResult(start=start, end=end, now=now, tickets=n_tickets, events=n_events,
                      staff=len(roster.staff), shifts=len(roster.shifts), reports=n_reports,
                      seconds=time.perf_counter() - started)


def _at(e: tuple) -> datetime:
    return e[0]


@dataclass
class _Plan:
    world: _World
    rng: random.Random
    rules: object
    start: date
    end: date
    days: int
    now: datetime
    seed: int
    tickets_per_day: int
    dialect: str
    callers: demo_callers.Callers


@dataclass
class _Batch:
    day: date
    tickets: list
    events: list
    facts: list
    facts_columns: list
    clocks: list
    n_tickets: int
    n_events: int


def _simulate(plan: _Plan):
    """The tickets, events and facts of the window in batches, already in the writer's storage form."""
    world, rng, rules, now = plan.world, plan.rng, plan.rules, plan.now
    start, days, dialect = plan.start, plan.days, plan.dialect
    surge = set(surge_days(plan.end, days))
    rains = set(rain_days(start, plan.end, plan.seed))
    mean = plan.tickets_per_day / _WEEK_MEAN
    burst = hotspot_burst.Burst(world, seed=plan.seed, start=start, now=now, tickets_per_day=plan.tickets_per_day)
    n_tickets = n_events = 0
    t_rows: list[tuple] = []
    e_rows: list[tuple] = []
    f_rows: list[tuple] = []
    c_rows: list[tuple] = []
    f_cols: list[str] | None = None
    version_id = rules.version_id
    for k in range(days):
        day = start + timedelta(days=k)
        base = mean * day_factor(day) * rng.uniform(0.95, 1.05)
        if day in rains:
            base *= RAIN_FACTOR
        n_normal = int(round(base))
        n_surge = int(round(base * (SURGE_FACTOR - 1))) if day in surge else 0
        n_heat = int(round(base * heating_extra(day)))
        times = world.day_times(day, n_normal + n_heat, n_surge)
        heat_flags = [False] * len(times)
        for i in rng.sample(range(len(times)), min(n_heat, len(times))):
            heat_flags[i] = True
        rain_day = day in rains
        prefix = day.strftime("%Y%m%d")
        day_tickets = []
        for i, received in enumerate(times):
            if received > now:
                break
            no = f"{prefix}{i + 1:06d}"
            rain = rain_day and rng.random() < 0.35
            day_tickets.append((no, received, world.ticket(no, received, heating=heat_flags[i], rain=rain)))
        day_tickets += [(no, received, burst.ticket(no, received, fields))
                        for no, received, fields in burst.tickets(day) if received <= now]
        # the repeat tracker takes the day's tickets in the rule's order (time received, then 工单编号)
        day_tickets.sort(key=lambda d: (d[1], d[0]))
        for no, received, (t, ev) in day_tickets:
            plan.callers.add(t, received)
            ev.sort(key=_at)
            kept = [e for e in ev if e[0] <= now] if ev[-1][0] > now else ev
            unit = None
            for e in kept:
                if e[1] == "DISPATCH" or e[1] == "REDISPATCH":
                    unit = e[3]
            t["unit"] = unit
            t_rows.append(tuple(t[c] for c in TICKET_COLUMNS))
            e_rows.extend((no, *e) for e in kept)
            f = derive(TicketInput(no, received, t["urgency"], t["sla_class"], None), kept, rules)
            row = facts_row(t, f, version_id)
            if f_cols is None:
                f_cols = list(row)
            f_rows.append(tuple(row.values()))
            c_rows.extend(event_clock_rows(no, kept))
            n_tickets += 1
            n_events += len(kept)
        if len(t_rows) >= BATCH_TICKETS or k == days - 1:
            yield _Batch(day, Loader.prepare(dialect, tickets, TICKET_COLUMNS, t_rows),
                         Loader.prepare(dialect, ticket_events, EVENT_COLUMNS, e_rows),
                         Loader.prepare(dialect, ticket_facts, f_cols, f_rows) if f_rows else [],
                         f_cols or [], Loader.prepare(dialect, event_clocks, EVENT_CLOCK_COLUMNS, c_rows),
                         n_tickets, n_events)
            t_rows, e_rows, f_rows, c_rows = [], [], [], []


def _pack(batch: _Batch) -> bytes | _Batch:
    """SQLite batches hold only text, numbers and None once prepared: marshal moves them between
    the processes at a tenth of pickle's cost (pickling was a third of the producer's time)."""
    try:
        return marshal.dumps((batch.day.toordinal(), batch.tickets, batch.events, batch.facts, batch.facts_columns,
                              batch.clocks, batch.n_tickets, batch.n_events))
    except ValueError:   # PostgreSQL batches keep datetimes (COPY binds them)
        return batch


def _unpack(payload: bytes | _Batch) -> _Batch:
    if isinstance(payload, _Batch):
        return payload
    day, *rest = marshal.loads(payload)
    return _Batch(date.fromordinal(day), *rest)


def _produce(plan: _Plan, queue) -> None:
    try:
        for batch in _simulate(plan):
            queue.put(("batch", _pack(batch)))
        queue.put(("done", None))
    except BaseException:  # noqa: BLE001 - the writer re-raises it with the traceback
        import traceback

        queue.put(("error", traceback.format_exc()))


def _batches(plan: _Plan, parallel: bool | None):
    """_simulate's batches, computed in a forked process when that is worth it (and possible):
    the simulation and the writes then use a core each."""
    import multiprocessing as mp

    if parallel is None:
        parallel = plan.days * plan.tickets_per_day > 2 * BATCH_TICKETS
    if not parallel or "fork" not in mp.get_all_start_methods():
        yield from _simulate(plan)
        return
    ctx = mp.get_context("fork")
    queue = ctx.Queue(maxsize=3)
    proc = ctx.Process(target=_produce, args=(plan, queue), daemon=True)
    proc.start()
    try:
        while True:
            kind, payload = queue.get()
            if kind == "done":
                break
            if kind == "error":
                raise RuntimeError("演示数据生成进程出错：\n" + payload)
            yield _unpack(payload)
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join()


def _write_reports(conn, loader: Loader, rng: random.Random, roster: demo_roster.Roster, start: date, end: date,
                   now: datetime, seed: int) -> int:
    """日报 by 09:00 next day, 周报 Monday 12:00, 月报 the 3rd 17:00, 专报 after surges; by analysts."""
    rows = []
    special = set(surge_days(end, (end - start).days + 1)) | set(rain_days(start, end, seed))
    for k in range((end - start).days + 1):
        day = start + timedelta(days=k)
        due = [("日报", f"RB-D-{day - timedelta(days=1):%Y%m%d}", datetime(day.year, day.month, day.day, 9))]
        if day.weekday() == 0:
            iso = (day - timedelta(days=7)).isocalendar()
            due.append(("周报", f"RB-W-{iso[0]}W{iso[1]:02d}", datetime(day.year, day.month, day.day, 12)))
        if day.day == 3:
            prev = day.replace(day=1) - timedelta(days=1)
            due.append(("月报", f"RB-M-{prev:%Y%m}", datetime(day.year, day.month, day.day, 15)))
        if day - timedelta(days=1) in special:
            due.append(("专报", f"RB-S-{day - timedelta(days=1):%Y%m%d}", datetime(day.year, day.month, day.day, 12)))
        analysts = roster.on_duty(day, demo_roster.EARLY, demo_roster.ANALYST)
        for kind, no, due_at in due:
            r = rng.random()
            if r < 0.03:
                delivered = due_at + timedelta(seconds=rng.randint(10 * MIN, 5 * HOUR))
            else:
                delivered = due_at - timedelta(seconds=rng.randint(5 * MIN, 50 * MIN))
            has_error = rng.random() < 0.02
            who = rng.choice(analysts) if analysts else None
            if due_at > now and delivered > now:
                continue   # not due yet and not delivered: it does not exist yet
            rows.append((no, kind, due_at, delivered if delivered <= now else None, who, has_error))
    loader.write(reports, ["report_no", "report_type", "due_at", "delivered_at", "staff_no", "has_error"], rows)
    return len(rows)


def _write_manual_items(conn: Connection, start: date, end: date, now: datetime) -> None:
    months = sorted({(start + timedelta(days=k)).strftime("%Y-%m") for k in range((end - start).days + 1)})
    # months before the last one, preferably fully inside the window
    past = [m for m in months if m < end.strftime("%Y-%m")]
    past = [m for m in past if m + "-01" >= start.isoformat()] or past or months
    items = [
        (past[0], "扣分", "2", "有效投诉：诉求人投诉派单专员派单错误导致办理延误"),
        (past[-1], "扣分", "5", "重大差错：批量工单派单错误导致超期，被市级通报"),
        (past[-1], "加分", "1", "工单突增期间加派人手、调整排班，获区领导书面表扬"),
    ]
    rows, seen = [], set()
    for month, kind, points, reason in items:
        if (month, kind, reason) in seen:
            continue
        seen.add((month, kind, reason))
        entered = min(now, datetime.strptime(month + "-28 10:00", "%Y-%m-%d %H:%M"))
        rows.append(dict(month=month, item_type=kind, points=points, reason=reason, entered_by="demo_reviewer",
                         entered_at=entered))
    conn.execute(manual_items.insert(), rows)
