"""Scheduled reports (docs/feed-inbox.md, 定时报表): the feed service writes the 日报/周报/月报
workbooks at configured times into an outbox folder, mails them when SMTP is configured, and
records each delivery as a 报表报送 row, so it counts in 报表按时报送率 like any other.

The schedule is a YAML file (HOTLINE_REPORT_SCHEDULE or `feed --schedule`):

    outbox: data/outbox             # optional; else HOTLINE_REPORT_OUTBOX, else data/outbox
    schedules:
      - {kind: daily,   at: "08:30", owner: A0101}
      - {kind: weekly,  at: "09:00", weekday: 1, owner: A0101}     # 1 = Monday … 7 = Sunday
      - {kind: monthly, at: "09:00", day: 1, owner: A0101, to: [leader@example.cn]}

Each time delivers the report of the last period complete by then: the 日报 whose window has
closed (with the default 12:00 window, 08:30 on the 16th sends 日报-…-15), the week and the
month containing the day before. 应报时间 is the scheduled time; 实报时间 is when it was sent.
A time missed while the service was down is delivered late when it is back (and recorded late);
times before the service first saw the schedule are not owed. 报表编号 is the report's own number
(日报-2026-01-15, 周报-2026-W03, 月报-2026-01), followed by `·NAME` for a schedule given a name,
so a second run never delivers the same report twice.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Connection, Engine

from dashboard.infra import logs, mail
from dashboard.services import audit
from dashboard.services.assessment import settled_counts
from dashboard.services.assessment.signoff import SignoffError, ensure_not_frozen
from dashboard.services.ingest.frozen import frozen_months
from dashboard.services.reports import periodic
from dashboard.services.reports.content import PERIODS, ReportSpec, spec_for
from queries.schema import report_schedule_state, reports

SCHEDULE_ENV = "HOTLINE_REPORT_SCHEDULE"
OUTBOX_ENV = "HOTLINE_REPORT_OUTBOX"
DEFAULT_OUTBOX = Path("data/outbox")
SCHEDULED_KINDS = ("daily", "weekly", "monthly")
# deliveries per round at most (a long outage is caught up over a few rounds, oldest first)
MAX_PER_ROUND = 12
MAX_NAME_CHARS = 24
LAST_MONTH_DAY = 28          # a monthly time exists in every month
SCHEDULE_USER = "定时报表"    # who the audit log names
# how long a process delivering a schedule's reports holds it (a process killed meanwhile
# leaves it held until then)
LEASE = timedelta(minutes=10)


class ScheduleError(ValueError):
    """A schedule file that cannot be used (message in Chinese)."""


@dataclass(frozen=True)
class Schedule:
    kind: str                       # daily / weekly / monthly
    at: time
    owner: str                      # 工号 recorded on the 报表报送 row
    name: str = ""
    weekday: int = 1                # weekly: ISO weekday, 1 = Monday
    day: int = 1                    # monthly: day of the month
    period: str = "calendar"        # monthly: calendar / assessment
    window_start_hour: int = 12     # daily: the window's hour
    to: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.name or self.kind


@dataclass(frozen=True)
class ScheduleConfig:
    schedules: tuple[Schedule, ...]
    outbox: Path = DEFAULT_OUTBOX


@dataclass(frozen=True)
class Due:
    """One scheduled time owed: the report, its number and its 应报时间."""
    schedule: Schedule
    due_at: datetime
    spec: ReportSpec

    @property
    def report_no(self) -> str:
        return report_no(self.schedule, self.spec)


@dataclass
class Delivery:
    report_no: str
    due_at: datetime
    delivered_at: datetime
    path: Path
    mailed: bool = False
    recipients: tuple[str, ...] = field(default_factory=tuple)

    @property
    def late(self) -> bool:
        return self.delivered_at > self.due_at


# --- the schedule file ---------------------------------------------------------------------------

def _parse_time(value, where: str) -> time:
    if isinstance(value, int) and not isinstance(value, bool):   # YAML 1.1 reads 08:30 as minutes
        value = f"{value // 60:02d}:{value % 60:02d}"
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise ScheduleError(f"{where}：时间 at 应为 HH:MM，收到：{value}") from None


def _int(entry: dict, key: str, default: int, lo: int, hi: int, where: str) -> int:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ScheduleError(f"{where}：{key} 应为 {lo}–{hi} 的整数，收到：{value}")
    return value


def parse_config(body: dict, *, outbox_default: Path | None = None) -> ScheduleConfig:
    if not isinstance(body, dict) or not isinstance(body.get("schedules"), list):
        raise ScheduleError("报表计划文件应包含 schedules 列表")
    out: list[Schedule] = []
    for n, entry in enumerate(body["schedules"], start=1):
        where = f"第 {n} 项计划"
        if not isinstance(entry, dict):
            raise ScheduleError(f"{where}格式不正确")
        kind = str(entry.get("kind", "")).strip()
        if kind not in SCHEDULED_KINDS:
            raise ScheduleError(f"{where}：kind 应为 {'/'.join(SCHEDULED_KINDS)}，收到：{kind or '空'}")
        owner = str(entry.get("owner", "") or "").strip()
        if not owner:
            raise ScheduleError(f"{where}：请填写负责人工号 owner")
        name = str(entry.get("name", "") or "").strip()
        if len(name) > MAX_NAME_CHARS:
            raise ScheduleError(f"{where}：name 不能超过 {MAX_NAME_CHARS} 个字")
        period = str(entry.get("period", "calendar"))
        if period not in PERIODS:
            raise ScheduleError(f"{where}：period 应为 calendar 或 assessment")
        to = entry.get("to") or ()
        to = mail.addresses(to) if isinstance(to, str) else tuple(str(a).strip() for a in to if str(a).strip())
        out.append(Schedule(kind, _parse_time(entry.get("at"), where), owner, name,
                            weekday=_int(entry, "weekday", 1, 1, 7, where),
                            day=_int(entry, "day", 1, 1, LAST_MONTH_DAY, where), period=period,
                            window_start_hour=_int(entry, "window_start_hour", 12, 0, 23, where), to=to))
    keys = [s.key for s in out]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ScheduleError(f"同一类报表有多项计划时请用 name 区分：{'、'.join(twice)}")
    outbox = body.get("outbox") or os.environ.get(OUTBOX_ENV) or outbox_default or DEFAULT_OUTBOX
    return ScheduleConfig(tuple(out), Path(outbox))


def load_config(path: str | Path) -> ScheduleConfig:
    try:
        body = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError:
        raise ScheduleError(f"无法读取报表计划文件：{path}") from None
    except yaml.YAMLError:
        raise ScheduleError(f"报表计划文件不是有效的 YAML：{path}") from None
    return parse_config(body)


def config_from_env() -> ScheduleConfig | None:
    path = os.environ.get(SCHEDULE_ENV, "").strip()
    return load_config(path) if path else None


# --- when (pure) -----------------------------------------------------------------------------------

def occurrences(s: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """The schedule's times t with start <= t <= end, oldest first."""
    out = []
    d = start.date()
    while d <= end.date():
        if ((s.kind == "daily") or (s.kind == "weekly" and d.isoweekday() == s.weekday)
                or (s.kind == "monthly" and d.day == s.day)):
            t = datetime.combine(d, s.at)
            if start <= t <= end:
                out.append(t)
        d += timedelta(days=1)
    return out


def report_day(s: Schedule, at: datetime) -> date:
    """The --date of the report a time delivers: the last one complete by then."""
    if s.kind == "daily":
        day = at.date()
        return day if datetime.combine(day, time(s.window_start_hour)) <= at else day - timedelta(days=1)
    return at.date() - timedelta(days=1)


def spec_of(s: Schedule, at: datetime) -> ReportSpec:
    return spec_for(s.kind, report_day(s, at), window_start_hour=s.window_start_hour, period=s.period)


def report_no(s: Schedule, spec: ReportSpec) -> str:
    return f"{spec.report_no}·{s.name}" if s.name else spec.report_no


def due_reports(schedules: tuple[Schedule, ...] | list[Schedule], active_since: dict[str, datetime],
                delivered: set[str], now: datetime) -> list[Due]:
    """Every time owed and not delivered: at or after the schedule became active, not after `now`,
    whose report number is not among `delivered`; oldest first."""
    out = []
    for s in schedules:
        since = active_since.get(s.key, now)
        for at in occurrences(s, since, now):
            due = Due(s, at, spec_of(s, at))
            if due.report_no not in delivered:
                out.append(due)
    return sorted(out, key=lambda d: (d.due_at, d.report_no))


# --- the runner ------------------------------------------------------------------------------------

def run_due_reports(engine: Engine, now: datetime, *, config: ScheduleConfig | None = None,
                    smtp: mail.SmtpSettings | None = None) -> list[Delivery]:
    """Deliver every report that is due at `now` (the feed loop calls this every round).

    Without a schedule (none given, HOTLINE_REPORT_SCHEDULE unset) nothing happens. SMTP comes
    from the environment unless given. A report whose mail fails is not recorded: it stays due
    and is tried again next round.
    """
    config = config or config_from_env()
    if config is None or not config.schedules:
        return []
    smtp = smtp if smtp is not None else mail.smtp_settings()
    now = now.replace(microsecond=0)
    with engine.begin() as conn:
        since = _active_since(conn, config.schedules, now)
        owed = due_reports(config.schedules, since, set(), now)
        delivered = _delivered(conn, [d.report_no for d in owed])
        # a month signed off and frozen takes no new 报表报送 row: its missed times are not sent
        frozen = frozen_months(conn) if owed else set()
    todo = [d for d in owed if d.report_no not in delivered and f"{d.due_at:%Y-%m}" not in frozen][:MAX_PER_ROUND]
    done = []
    for key in sorted({d.schedule.key for d in todo}):
        if not _claim(engine, key, now):
            continue          # another feed process is delivering this schedule's reports
        try:
            for due in [d for d in todo if d.schedule.key == key]:
                try:
                    done.append(deliver(engine, due, now, config.outbox, smtp))
                except Exception as e:  # noqa: BLE001 - one report's failure does not stop the others
                    logs.event("report_delivery", logging.WARNING, report_no=due.report_no,
                               due_at=due.due_at, result="failed",
                               error=f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        finally:
            _release(engine, key)
    return sorted(done, key=lambda d: (d.due_at, d.report_no))


def _claim(engine: Engine, key: str, now: datetime) -> bool:
    """Hold the schedule for LEASE (committed at once, so another process sees it)."""
    st = report_schedule_state
    with engine.begin() as conn:
        r = conn.execute(st.update().where(st.c.schedule_key == key,
                                           sa.or_(st.c.busy_until.is_(None), st.c.busy_until < now))
                         .values(busy_until=now + LEASE))
        return r.rowcount == 1


def _release(engine: Engine, key: str) -> None:
    st = report_schedule_state
    with engine.begin() as conn:
        conn.execute(st.update().where(st.c.schedule_key == key).values(busy_until=None))


def _active_since(conn: Connection, schedules, now: datetime) -> dict[str, datetime]:
    known = {k: v for k, v in conn.execute(sa.select(report_schedule_state.c.schedule_key,
                                                     report_schedule_state.c.active_since))}
    for s in schedules:
        if s.key not in known:
            conn.execute(report_schedule_state.insert().values(schedule_key=s.key, active_since=now))
            known[s.key] = now
            logs.event("report_schedule", schedule=s.key, kind=s.kind, at=s.at.strftime("%H:%M"),
                       active_since=now)
    return known


def _delivered(conn: Connection, numbers: list[str]) -> set[str]:
    if not numbers:
        return set()
    rows = conn.execute(sa.select(reports.c.report_no).where(reports.c.report_no.in_(sorted(set(numbers))),
                                                             reports.c.delivered_at.is_not(None)))
    return {r for (r,) in rows}


def subject(spec: ReportSpec) -> str:
    return f"{periodic.ORG}{spec.title}（{spec.window_label}）"


def deliver(engine: Engine, due: Due, now: datetime, outbox: Path,
            smtp: mail.SmtpSettings | None) -> Delivery:
    """Write the workbook to the outbox, mail it, then record the delivery (in that order: a run
    killed before the record sends it again rather than never)."""
    with engine.connect() as conn:
        data = periodic.build(conn, due.spec, now=now)
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{due.report_no}.xlsx"
    tmp = outbox / f".{path.name}.part"
    tmp.write_bytes(data)
    os.replace(tmp, path)
    delivery = Delivery(due.report_no, due.due_at, now, path)
    if smtp is not None:
        body = (f"附件为{subject(due.spec)}，报表编号 {due.report_no}，应报时间 {due.due_at:%Y-%m-%d %H:%M}。\n"
                f"本邮件由接诉即办运行监管平台按计划自动发送。")
        delivery.recipients = mail.send(smtp, subject=subject(due.spec), body=body, attachment_name=path.name,
                                        data=data, recipients=due.schedule.to)
        delivery.mailed = True
    with engine.begin() as conn:
        record(conn, due, now)
    logs.event("report_delivery", report_no=due.report_no, kind=due.schedule.kind, due_at=due.due_at,
               delivered_at=now, late=delivery.late, mailed=delivery.mailed, file=str(path), result="ok")
    return delivery


def record(conn: Connection, due: Due, delivered_at: datetime) -> str:
    """The 报表报送 row of a delivery (new, or a row imported without 实报时间 gets one); a report
    already delivered keeps its first delivery. Returns new / updated / unchanged."""
    try:
        ensure_not_frozen(conn, f"{due.due_at:%Y-%m}")
    except SignoffError as e:
        raise ScheduleError(str(e)) from None
    no = due.report_no
    row = conn.execute(sa.select(reports.c.delivered_at).where(reports.c.report_no == no)).first()
    if row is None:
        conn.execute(reports.insert().values(report_no=no, report_type=due.spec.type_label, due_at=due.due_at,
                                             delivered_at=delivered_at, staff_no=due.schedule.owner,
                                             has_error=False))
        outcome = "new"
    elif row[0] is None:
        conn.execute(reports.update().where(reports.c.report_no == no).values(
            delivered_at=delivered_at, staff_no=due.schedule.owner))
        outcome = "updated"
    else:
        return "unchanged"
    # the day counts of 报表按时报送率 from the due day on are counted again
    settled_counts.invalidate_since(conn, due.due_at)
    settled_counts.refill(conn, delivered_at)
    audit.record(conn, username=SCHEDULE_USER, action="report_delivered", target=no,
                 detail=f"{outcome} type={due.spec.type_label} owner={due.schedule.owner} due={due.due_at}"
                        f" delivered={delivered_at} on_time={delivered_at <= due.due_at}")
    return outcome
