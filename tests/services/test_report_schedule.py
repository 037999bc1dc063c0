"""Scheduled reports: which times are due, a missed time delivered late, no double delivery, the
报表报送 row and 报表按时报送率, and the mail arriving at a real SMTP server (aiosmtpd)."""
from __future__ import annotations

import socket
from datetime import datetime, time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from dashboard.cli.main import main
from dashboard.infra import mail
from dashboard.services.assessment import engine as assessment
from dashboard.services.reports import schedule
from queries.schema import audit_log, report_schedule_state, reports
from tests.support.december_files import url_of
from tests.support.live_fixture import event, load, ticket

DAILY = schedule.Schedule("daily", time(8, 30), "A0101")
WEEKLY = schedule.Schedule("weekly", time(9, 0), "A0102", weekday=1)
MONTHLY = schedule.Schedule("monthly", time(9, 0), "A0103", day=1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def numbers(dues) -> list[tuple[str, str]]:
    return [(d.report_no, f"{d.due_at:%Y-%m-%d %H:%M}") for d in dues]


# --- due times (pure) --------------------------------------------------------------------------------

def test_due_times_of_daily_weekly_and_monthly_schedules():
    since = {"daily": at("2026-01-01 00:00"), "weekly": at("2026-01-01 00:00"), "monthly": at("2026-01-01 00:00")}
    # 2026-01-05 is a Monday
    dues = schedule.due_reports([DAILY, WEEKLY, MONTHLY], since, set(), at("2026-01-05 09:00"))
    assert numbers(dues) == [
        ("日报-2025-12-31", "2026-01-01 08:30"),   # 12:00 window: 08:30 sends the window closed yesterday
        ("月报-2025-12", "2026-01-01 09:00"),       # the month of the day before the 1st
        ("日报-2026-01-01", "2026-01-02 08:30"),
        ("日报-2026-01-02", "2026-01-03 08:30"),
        ("日报-2026-01-03", "2026-01-04 08:30"),
        ("日报-2026-01-04", "2026-01-05 08:30"),
        ("周报-2026-W01", "2026-01-05 09:00"),      # the week of the Sunday before
    ]
    # a time is due from its very second, not before
    assert numbers(schedule.due_reports([DAILY], since, set(), at("2026-01-01 08:29:59"))) == []
    assert numbers(schedule.due_reports([DAILY], since, set(), at("2026-01-01 08:30:00"))) == [
        ("日报-2025-12-31", "2026-01-01 08:30")]
    # delivered ones are not due again; times before the schedule was first seen are not owed
    delivered = {"日报-2025-12-31", "日报-2026-01-01", "日报-2026-01-02"}
    assert numbers(schedule.due_reports([DAILY], {"daily": at("2026-01-03 12:00")}, delivered,
                                        at("2026-01-05 09:00"))) == [
        ("日报-2026-01-03", "2026-01-04 08:30"), ("日报-2026-01-04", "2026-01-05 08:30")]
    # a schedule never seen becomes active now: nothing of the past is owed
    assert schedule.due_reports([DAILY], {}, set(), at("2026-01-05 09:00")) == []


def test_a_midnight_daily_window_and_a_named_schedule():
    midnight = schedule.Schedule("daily", time(8, 30), "A0101", name="零点口径", window_start_hour=0)
    [due] = schedule.due_reports([midnight], {"零点口径": at("2026-01-05 00:00")}, set(), at("2026-01-05 09:00"))
    # 00:00 window: 08:30 on the 5th sends the whole 4th (日报 of the 5th = 4th 00:00 to 5th 00:00)
    assert due.report_no == "日报-2026-01-05·零点口径"
    assert (due.spec.start, due.spec.end) == (at("2026-01-04 00:00"), at("2026-01-05 00:00"))


def test_schedule_file_is_checked_in_chinese(tmp_path):
    good = tmp_path / "s.yaml"
    good.write_text("outbox: out\nschedules:\n  - {kind: daily, at: '08:30', owner: A0101}\n"
                    "  - {kind: weekly, at: 09:00, weekday: 1, owner: A0102, to: 'a@x.cn; b@x.cn'}\n",
                    encoding="utf-8")
    config = schedule.load_config(good)
    assert config.outbox == Path("out")
    assert config.schedules[1] == schedule.Schedule("weekly", time(9, 0), "A0102", weekday=1,
                                                    to=("a@x.cn", "b@x.cn"))
    for body, words in [
        ("schedules:\n  - {kind: hourly, at: '08:30', owner: A}\n", "kind 应为 daily/weekly/monthly"),
        ("schedules:\n  - {kind: daily, at: '25:00', owner: A}\n", "时间 at 应为 HH:MM"),
        ("schedules:\n  - {kind: daily, at: '08:30'}\n", "负责人工号 owner"),
        ("schedules:\n  - {kind: monthly, at: '08:30', owner: A, day: 31}\n", "day 应为 1–28"),
        ("schedules:\n  - {kind: daily, at: '08:30', owner: A}\n  - {kind: daily, at: '09:30', owner: B}\n",
         "请用 name 区分：daily"),
        ("outbox: x\n", "schedules 列表"),
    ]:
        bad = tmp_path / "bad.yaml"
        bad.write_text(body, encoding="utf-8")
        with pytest.raises(schedule.ScheduleError, match=words):
            schedule.load_config(bad)


# --- delivery into the database ------------------------------------------------------------------------

@pytest.fixture
def db(engine):
    load(engine, [ticket("S1", "2026-01-13 14:00:00"), ticket("S2", "2026-01-14 09:00:00")],
         [event("S1", "2026-01-13 14:05:00", "SIGN"), event("S2", "2026-01-14 09:10:00", "SIGN")])
    return engine


def report_rows(engine) -> list[tuple]:
    with engine.connect() as c:
        return [(r.report_no, r.report_type, f"{r.due_at:%Y-%m-%d %H:%M}",
                 f"{r.delivered_at:%Y-%m-%d %H:%M}" if r.delivered_at else None, r.staff_no, r.has_error)
                for r in c.execute(sa.select(reports).order_by(reports.c.report_no))]


def test_missed_times_are_delivered_late_and_never_twice(db, tmp_path):
    config = schedule.ScheduleConfig((DAILY,), tmp_path / "outbox")

    def run(now: str):
        return schedule.run_due_reports(db, at(now), config=config, smtp=None)

    assert run("2026-01-14 08:00") == []                       # first seen: nothing of the past owed
    [first] = run("2026-01-14 08:30")
    assert (first.report_no, first.late, first.mailed) == ("日报-2026-01-13", False, False)
    assert run("2026-01-14 08:31") == []                       # not twice
    # the service is down on the 15th and the 16th until 10:00: both times are delivered, late
    late = run("2026-01-16 10:00")
    assert [(d.report_no, d.late) for d in late] == [("日报-2026-01-14", True), ("日报-2026-01-15", True)]
    assert run("2026-01-16 10:05") == []
    assert report_rows(db) == [
        ("日报-2026-01-13", "日报", "2026-01-14 08:30", "2026-01-14 08:30", "A0101", False),
        ("日报-2026-01-14", "日报", "2026-01-15 08:30", "2026-01-16 10:00", "A0101", False),
        ("日报-2026-01-15", "日报", "2026-01-16 08:30", "2026-01-16 10:00", "A0101", False),
    ]
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == [
        "日报-2026-01-13.xlsx", "日报-2026-01-14.xlsx", "日报-2026-01-15.xlsx"]
    with db.connect() as c:
        # they count in 报表按时报送率: one of three on time
        ind = assessment.month_result(c, "2026-01", at("2026-01-16 10:05")).indicator("report_on_time_rate")
        assert (ind.numerator, ind.denominator) == (1, 3)
        assert c.execute(sa.select(report_schedule_state.c.schedule_key, report_schedule_state.c.active_since)
                         ).all() == [("daily", at("2026-01-14 08:00"))]
        audited = c.execute(sa.select(audit_log.c.username, audit_log.c.target)
                            .where(audit_log.c.action == "report_delivered").order_by(audit_log.c.id)).all()
        assert audited == [("定时报表", "日报-2026-01-13"), ("定时报表", "日报-2026-01-14"),
                           ("定时报表", "日报-2026-01-15")]


def test_the_outbox_workbook_is_the_report_commands_workbook(sqlite_engine, tmp_path):
    load(sqlite_engine, [ticket("S1", "2026-01-13 14:00:00")], [event("S1", "2026-01-13 14:05:00", "SIGN")])
    config = schedule.ScheduleConfig((DAILY,), tmp_path / "outbox")
    with sqlite_engine.begin() as c:
        c.execute(report_schedule_state.insert().values(schedule_key="daily", active_since=at("2026-01-14 00:00")))
    [d] = schedule.run_due_reports(sqlite_engine, at("2026-01-14 08:30"), config=config, smtp=None)
    out = tmp_path / "cli.xlsx"
    assert main(["--db", url_of(sqlite_engine), "report", "daily", "--date", "2026-01-13",
                 "--now", "2026-01-14 08:30:00", "--out", str(out)]) == 0
    assert d.path.read_bytes() == out.read_bytes()


def test_a_row_imported_without_delivery_time_gets_it_and_a_delivered_one_is_kept(sqlite_engine, tmp_path):
    with sqlite_engine.begin() as c:
        c.execute(reports.insert().values(report_no="日报-2026-01-13", report_type="日报",
                                          due_at=at("2026-01-14 09:00"), delivered_at=None, staff_no=None))
        c.execute(reports.insert().values(report_no="日报-2026-01-14", report_type="日报",
                                          due_at=at("2026-01-15 09:00"), delivered_at=at("2026-01-15 08:00"),
                                          staff_no="B0201"))
        c.execute(report_schedule_state.insert().values(schedule_key="daily", active_since=at("2026-01-14 00:00")))
    config = schedule.ScheduleConfig((DAILY,), tmp_path / "outbox")
    done = schedule.run_due_reports(sqlite_engine, at("2026-01-15 08:40"), config=config, smtp=None)
    assert [d.report_no for d in done] == ["日报-2026-01-13"]       # the 14th was delivered by hand
    assert report_rows(sqlite_engine) == [
        ("日报-2026-01-13", "日报", "2026-01-14 09:00", "2026-01-15 08:40", "A0101", False),
        ("日报-2026-01-14", "日报", "2026-01-15 09:00", "2026-01-15 08:00", "B0201", False),
    ]


# --- mail through a real SMTP server -----------------------------------------------------------------

class Mailbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, box
    finally:
        controller.stop()


def test_the_report_arrives_by_mail_at_the_scheduled_time(sqlite_engine, tmp_path, smtp_server, monkeypatch):
    controller, box = smtp_server
    load(sqlite_engine, [ticket("S1", "2026-01-13 14:00:00")], [event("S1", "2026-01-13 14:05:00", "SIGN")])
    monkeypatch.setenv("HOTLINE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HOTLINE_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("HOTLINE_SMTP_FROM", "hotline@tongzhou.example.cn")
    monkeypatch.setenv("HOTLINE_SMTP_TO", "leader@tongzhou.example.cn, office@tongzhou.example.cn")
    sched = tmp_path / "schedule.yaml"
    sched.write_text(f"outbox: {tmp_path / 'outbox'}\nschedules:\n  - {{kind: daily, at: '08:30', owner: A0101}}\n",
                     encoding="utf-8")
    monkeypatch.setenv(schedule.SCHEDULE_ENV, str(sched))

    assert schedule.run_due_reports(sqlite_engine, at("2026-01-14 08:29:00")) == []
    assert box.messages == []                                   # not before its time
    [d] = schedule.run_due_reports(sqlite_engine, at("2026-01-14 08:30:00"))
    assert d.mailed and d.recipients == ("leader@tongzhou.example.cn", "office@tongzhou.example.cn")
    [envelope] = box.messages
    assert envelope.mail_from == "hotline@tongzhou.example.cn"
    assert envelope.rcpt_tos == ["leader@tongzhou.example.cn", "office@tongzhou.example.cn"]
    msg = message_from_bytes(envelope.original_content, policy=policy.default)
    assert msg["Subject"] == "通州区12345接诉即办日报（2026-01-12 12:00 至 2026-01-13 12:00）"
    [part] = list(msg.iter_attachments())
    assert part.get_filename() == "日报-2026-01-13.xlsx"
    assert part.get_content() == (tmp_path / "outbox" / "日报-2026-01-13.xlsx").read_bytes()
    assert "报表编号 日报-2026-01-13" in msg.get_body(("plain",)).get_content()
    assert schedule.run_due_reports(sqlite_engine, at("2026-01-14 09:00:00")) == []
    assert len(box.messages) == 1
    assert [r[0] for r in report_rows(sqlite_engine)] == ["日报-2026-01-13"]


def test_a_mail_that_fails_is_not_recorded_and_goes_out_the_next_round(sqlite_engine, tmp_path, smtp_server):
    controller, box = smtp_server
    config = schedule.ScheduleConfig((DAILY,), tmp_path / "outbox")
    with sqlite_engine.begin() as c:
        c.execute(report_schedule_state.insert().values(schedule_key="daily", active_since=at("2026-01-14 00:00")))
    down = mail.SmtpSettings("127.0.0.1", free_port(), "hotline@x.cn", ("leader@x.cn",))
    assert schedule.run_due_reports(sqlite_engine, at("2026-01-14 08:30"), config=config, smtp=down) == []
    assert report_rows(sqlite_engine) == []
    up = mail.SmtpSettings("127.0.0.1", controller.port, "hotline@x.cn", ("leader@x.cn",))
    [d] = schedule.run_due_reports(sqlite_engine, at("2026-01-14 08:45"), config=config, smtp=up)
    assert d.mailed and d.late and len(box.messages) == 1
    assert report_rows(sqlite_engine) == [
        ("日报-2026-01-13", "日报", "2026-01-14 08:30", "2026-01-14 08:45", "A0101", False)]


def test_smtp_settings_from_the_environment():
    assert mail.smtp_settings({}) is None
    s = mail.smtp_settings({"HOTLINE_SMTP_HOST": "mail.x.cn", "HOTLINE_SMTP_STARTTLS": "1",
                            "HOTLINE_SMTP_FROM": "a@x.cn", "HOTLINE_SMTP_TO": "b@x.cn;c@x.cn",
                            "HOTLINE_SMTP_USER": "a", "HOTLINE_SMTP_PASSWORD": "pw"})
    assert s == mail.SmtpSettings("mail.x.cn", 587, "a@x.cn", ("b@x.cn", "c@x.cn"), True, "a", "pw")
    with pytest.raises(Exception, match="HOTLINE_SMTP_FROM"):
        mail.smtp_settings({"HOTLINE_SMTP_HOST": "mail.x.cn"})


def test_the_feed_command_delivers_what_is_due_and_refuses_a_bad_schedule(sqlite_engine, tmp_path, capsys):
    from datetime import timedelta

    folder = tmp_path / "in"
    folder.mkdir()
    sched = tmp_path / "schedule.yaml"
    sched.write_text(f"outbox: {tmp_path / 'outbox'}\nschedules:\n  - {{kind: daily, at: '00:00', owner: A0101}}\n",
                     encoding="utf-8")
    today = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    with sqlite_engine.begin() as c:
        c.execute(report_schedule_state.insert().values(schedule_key="daily", active_since=today - timedelta(hours=1)))
    url = url_of(sqlite_engine)
    assert main(["--db", url, "feed", "--inbox", str(folder), "--once", "--schedule", str(sched)]) == 0
    no = f"日报-{today - timedelta(days=1):%Y-%m-%d}"
    assert f"已报送 {no} → {tmp_path / 'outbox' / (no + '.xlsx')}" in capsys.readouterr().out
    assert [r[:3] for r in report_rows(sqlite_engine)] == [(no, "日报", f"{today:%Y-%m-%d} 00:00")]
    sched.write_text("schedules:\n  - {kind: daily, at: '08:30'}\n", encoding="utf-8")
    assert main(["--db", url, "feed", "--inbox", str(folder), "--once", "--schedule", str(sched)]) == 1
    assert "第 1 项计划：请填写负责人工号 owner" in capsys.readouterr().err


def test_a_schedule_held_by_another_feed_process_is_left_to_it(sqlite_engine, tmp_path):
    config = schedule.ScheduleConfig((DAILY,), tmp_path / "outbox")
    with sqlite_engine.begin() as c:
        c.execute(report_schedule_state.insert().values(schedule_key="daily", active_since=at("2026-01-14 00:00"),
                                                        busy_until=at("2026-01-14 08:35")))
    assert schedule.run_due_reports(sqlite_engine, at("2026-01-14 08:30"), config=config, smtp=None) == []
    assert report_rows(sqlite_engine) == []
    # a holder killed mid-delivery holds it no longer than its lease
    [d] = schedule.run_due_reports(sqlite_engine, at("2026-01-14 08:36"), config=config, smtp=None)
    assert d.report_no == "日报-2026-01-13"
    with sqlite_engine.connect() as c:
        assert c.execute(sa.select(report_schedule_state.c.busy_until)).scalar_one() is None


def test_times_in_a_frozen_month_are_not_sent(sqlite_engine, tmp_path, smtp_server):
    from queries.schema import month_signoffs

    controller, box = smtp_server
    config = schedule.ScheduleConfig((DAILY,), tmp_path / "outbox")
    with sqlite_engine.begin() as c:
        c.execute(report_schedule_state.insert().values(schedule_key="daily", active_since=at("2026-01-30 00:00")))
        c.execute(month_signoffs.insert().values(month="2026-01", state="frozen", frozen=True))
    up = mail.SmtpSettings("127.0.0.1", controller.port, "hotline@x.cn", ("leader@x.cn",))
    # back on 1 February: the 31 January time lies in the frozen month, 1 February's does not
    done = schedule.run_due_reports(sqlite_engine, at("2026-02-01 09:00"), config=config, smtp=up)
    assert [d.report_no for d in done] == ["日报-2026-01-31"]
    assert [r[:3] for r in report_rows(sqlite_engine)] == [("日报-2026-01-31", "日报", "2026-02-01 08:30")]
    assert len(box.messages) == 1
