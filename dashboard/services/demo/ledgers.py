"""Demo ledgers (docs/ledgers.md): improvement measures (one that worked, one that did not, one open),
shift handover notes of the last days, and tickets flagged as special — so every ledger part of
the demo has content. Drawn from their own `random.Random` derived from the seed, after the
operations data, so the tickets and events of a seed stay what they were.

The measure that worked is made to work: from its start, part of the QC rejects of its defect
type are relabelled as the other measure's defect type (whose rate therefore rises)."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.staffing import shift_bounds
from domain.vocabulary import HANDOVER_GROUPS, SHIFTS
from queries.schema import qc_measures, shift_handovers, special_flags, ticket_events, ticket_facts

SALT = 0x1ED6E5
WORKED_DEFECT = "未联系诉求人"
FAILED_DEFECT = "答复口径不规范"
RELABEL_SHARE = 0.6
HANDOVER_DAYS = 3
LEADS = ("demo_supervisor", "demo_manager")
NOTES = {
    "派单": ["{n} 张工单待改派，已电话联系承办单位确认", "夜间供暖类诉求集中，注意核对片区", "系统派单队列正常"],
    "退单": ["{n} 张退单待市级审核，请接班后跟进", "非本区诉求已全部提交退单申请"],
    "质检": ["{n} 张回复待质检，其中 2 张临近时限", "回复未联系诉求人的情况较多，请重点核查"],
    "协查": ["{n} 张协查工单本班未完成，已移交", "属实核查照片已归档"],
    "数据": ["日报已按时报送", "周报数据核对中，{n} 处差异待确认"],
}
FLAG_REASONS = ["区领导批示关注", "多次重复诉求，涉及群体性问题", "媒体关注，需专班跟进", "跨部门职责不清，需协调"]


def write(conn: Connection, *, seed: int, end: date, now: datetime) -> None:
    rng = random.Random(seed * 1_000_003 + SALT)
    start = end - timedelta(days=20)
    _relabel(conn, rng, since=datetime.combine(start, time()), now=now)
    _measures(conn, start=start, end=end, now=now)
    _handovers(conn, rng, end=end, now=now)
    _flags(conn, rng, now=now)


def _relabel(conn: Connection, rng: random.Random, *, since: datetime, now: datetime) -> None:
    e = ticket_events
    ids = [r[0] for r in conn.execute(sa.select(e.c.id).where(e.c.action == "QC_REJECT", e.c.detail == WORKED_DEFECT,
                                                              e.c.at >= since, e.c.at <= now).order_by(e.c.id))]
    chosen = [i for i in ids if rng.random() < RELABEL_SHARE]
    if chosen:
        conn.execute(e.update().where(e.c.id == sa.bindparam("eid")).values(detail=FAILED_DEFECT),
                     [{"eid": i} for i in chosen])


def _measures(conn: Connection, *, start: date, end: date, now: datetime) -> None:
    stamp = min(now, datetime.combine(start, time(9)))
    rows = [
        ("推行“联系诉求人”记录核验清单，质检时逐项核对通话记录", "质检一组组长", start, end - timedelta(days=6), "已完成",
         "defect", WORKED_DEFECT),
        ("统一答复口径培训，更新答复模板", "质检二组组长", start, end - timedelta(days=10), "实施中",
         "defect", FAILED_DEFECT),
        ("办结前复核市级审核要点，降低市级退回", "业务主管", end - timedelta(days=9), end + timedelta(days=12), "计划中",
         "indicator", "qc_escape_rate"),
    ]
    conn.execute(qc_measures.insert(), [
        dict(title=t, owner=o, started_on=s, due_on=d, status=st, target_kind=k, target=g, created_at=stamp,
             created_by=LEADS[0], updated_at=stamp, updated_by=LEADS[0]) for t, o, s, d, st, k, g in rows])


def _handovers(conn: Connection, rng: random.Random, *, end: date, now: datetime) -> None:
    rows = []
    for back in range(HANDOVER_DAYS - 1, -1, -1):
        day = end - timedelta(days=back)
        for shift in SHIFTS:
            s_start, s_end = shift_bounds(day, shift)
            written = s_end - timedelta(minutes=rng.randint(5, 20))
            if written > now:
                continue
            for i, group in enumerate(HANDOVER_GROUPS):
                lead = LEADS[(back + i) % 2]
                note = rng.choice(NOTES[group]).format(n=rng.randint(2, 9))
                acked = s_end + timedelta(minutes=rng.randint(3, 25))
                rows.append(dict(day=day, shift=shift, group_name=group, note=note, written_at=written, written_by=lead,
                                 acked_at=acked if acked <= now else None,
                                 acked_by=LEADS[1 - LEADS.index(lead)] if acked <= now else None))
    if rows:
        conn.execute(shift_handovers.insert(), rows)


def _flags(conn: Connection, rng: random.Random, *, now: datetime) -> None:
    tf = ticket_facts
    open_ones = [r[0] for r in conn.execute(sa.select(tf.c.ticket_no).where(tf.c.is_open, tf.c.received_at <= now)
                                            .order_by(tf.c.received_at, tf.c.ticket_no).limit(200))]
    if not open_ones:
        return
    picked = rng.sample(open_ones, min(5, len(open_ones)))
    conn.execute(special_flags.insert(), [
        dict(ticket_no=no, reason=rng.choice(FLAG_REASONS), flagged_at=now - timedelta(hours=rng.randint(2, 60)),
             flagged_by=rng.choice(LEADS)) for no in picked])
