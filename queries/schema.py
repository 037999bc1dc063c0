"""Table definitions of the operational database (SQLAlchemy Core metadata).

Timestamps are naive Beijing local time (docs/lifecycle.md); never UTC. Text columns that may be
compared as keys (event staff_no/unit/detail) are NOT NULL with '' for "none", so that the
six-field de-duplication of events works as a plain unique constraint on both engines.
Exact numbers (manual points, rule values) are stored as decimal strings, never floats.
"""
import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

units = sa.Table(
    "units", metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    # street (街道/乡镇) · department (区直单位) · company (公共服务企业)
    sa.Column("kind", sa.String(16), nullable=False),
)

categories = sa.Table(
    "categories", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("l1", sa.String(64), nullable=False),
    sa.Column("l2", sa.String(64), nullable=False, server_default=""),
    sa.Column("l3", sa.String(64), nullable=False, server_default=""),
    sa.UniqueConstraint("l1", "l2", "l3"),
)

staff = sa.Table(
    "staff", metadata,
    sa.Column("staff_no", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),        # 岗位, in Chinese (docs/imports.md)
    sa.Column("team", sa.String(32)),                         # 班组
    sa.Column("education", sa.String(8)),                     # 大专/本科/硕士/博士
    sa.Column("full_time", sa.Boolean),                       # 是否全日制
    sa.Column("years_experience", sa.String(8)),              # 从业年限 (decimal string)
    sa.Column("team_size_managed", sa.Integer),               # 管理团队规模
    sa.Column("management_years", sa.String(8)),              # 管理年限 (decimal string)
    sa.Column("typing_speed", sa.Integer),                    # 打字速度, 汉字/min
    sa.Column("hired_on", sa.Date),
    sa.Column("left_on", sa.Date),
)

shifts = sa.Table(
    "shifts", metadata,
    sa.Column("staff_no", sa.String(32), sa.ForeignKey("staff.staff_no"), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("shift", sa.String(4), primary_key=True),      # 早班 / 中班 / 夜班
    sa.Column("present", sa.Boolean, nullable=False),
    sa.Index("ix_shifts_day_shift", "day", "shift"),
)

reports = sa.Table(
    "reports", metadata,
    sa.Column("report_no", sa.String(64), primary_key=True),
    sa.Column("report_type", sa.String(8), nullable=False),   # 日报/周报/月报/专报
    sa.Column("due_at", sa.DateTime, nullable=False),
    sa.Column("delivered_at", sa.DateTime),
    sa.Column("staff_no", sa.String(32)),
    sa.Column("has_error", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_reports_due_at", "due_at"),
)

manual_items = sa.Table(
    "manual_items", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("month", sa.String(7), nullable=False),         # YYYY-MM
    sa.Column("item_type", sa.String(8), nullable=False),     # 扣分 / 加分 / 一票否决
    sa.Column("points", sa.String(16), nullable=False),       # decimal string, >= 0
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("entered_by", sa.String(64), nullable=False),
    sa.Column("entered_at", sa.DateTime),
    sa.UniqueConstraint("month", "item_type", "points", "reason", "entered_by"),
)

tickets = sa.Table(
    "tickets", metadata,
    sa.Column("ticket_no", sa.String(64), primary_key=True),
    sa.Column("called_at", sa.DateTime),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("appeal_type", sa.String(8)),
    sa.Column("urgency", sa.String(4), nullable=False, server_default="一般"),
    sa.Column("sla_class", sa.String(4), nullable=False, server_default="一般"),
    sa.Column("category_l1", sa.String(64)),
    sa.Column("category_l2", sa.String(64)),
    sa.Column("category_l3", sa.String(64)),
    sa.Column("title", sa.Text),
    sa.Column("content", sa.Text),
    sa.Column("address", sa.Text),
    sa.Column("street", sa.String(100)),
    sa.Column("unit", sa.String(100)),
    sa.Column("in_assessment", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("callback_at", sa.DateTime),
    sa.Column("callback_valid", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("contacted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("resolved", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("satisfaction", sa.String(8)),
    sa.Column("deadline_at", sa.DateTime),                    # imported 截止时间, optional
    # repeat complaints (revision 0013, docs/repeats.md): the caller's number only as the keyed
    # hash of its normalised digits and its last four digits; the normalised address (NULL when
    # too short to count); the latest earlier ticket this one repeats (NULL: not a repeat)
    sa.Column("caller_hash", sa.String(64)),
    sa.Column("caller_last4", sa.String(4)),
    sa.Column("address_key", sa.Text),
    sa.Column("repeat_source_no", sa.String(64)),
    # the weeks of topics (热点, the wall's and the stand-up's 突增) count tickets by received time and
    # category: on PostgreSQL the index carries the categories, read without the tickets' rows (rev. 0018)
    sa.Index("ix_tickets_received_at", "received_at", postgresql_include=["category_l1", "category_l2"]),
)

ticket_events = sa.Table(
    "ticket_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_no", sa.String(64), sa.ForeignKey("tickets.ticket_no"), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),       # action code (docs/lifecycle.md)
    sa.Column("staff_no", sa.String(32), nullable=False, server_default=""),
    sa.Column("unit", sa.String(100), nullable=False, server_default=""),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.UniqueConstraint("ticket_no", "at", "action", "staff_no", "unit", "detail",
                        name="uq_ticket_events_all_fields"),
    # PostgreSQL: covering for the per-staff counts (an action's events of a day, with their ticket,
    # 工号 and order) — an index-only scan instead of reading every event of the day (revision 0007)
    sa.Index("ix_ticket_events_action_at", "action", "at", postgresql_include=["ticket_no", "staff_no", "id"]),
    sa.Index("ix_ticket_events_staff_no_at", "staff_no", "at"),
    sa.Index("ix_ticket_events_at", "at"),
)

# Derived per ticket from tickets + events (docs/lifecycle.md), as of all events known.
# Rebuildable: dashboard.services.facts.rebuild_all().
ticket_facts = sa.Table(
    "ticket_facts", metadata,
    # no foreign key to tickets, like event_clocks: written only with its ticket (revision 0021)
    sa.Column("ticket_no", sa.String(64), primary_key=True),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("received_day", sa.Date, nullable=False),
    sa.Column("urgency", sa.String(4), nullable=False),
    sa.Column("sla_class", sa.String(4), nullable=False),
    sa.Column("appeal_type", sa.String(8)),
    sa.Column("category_l1", sa.String(64)),
    sa.Column("street", sa.String(100)),
    sa.Column("unit", sa.String(100)),                        # current handling unit
    sa.Column("signed_at", sa.DateTime),
    sa.Column("dispatched_at", sa.DateTime),
    sa.Column("first_return_request_at", sa.DateTime),
    sa.Column("return_approved_at", sa.DateTime),
    sa.Column("return_rejected_at", sa.DateTime),
    sa.Column("first_contact_at", sa.DateTime),
    sa.Column("first_reply_at", sa.DateTime),
    sa.Column("closed_at", sa.DateTime),                      # last CLOSE with no REOPEN after it
    sa.Column("last_event_at", sa.DateTime),
    # Clock due times (received_at + limit): stored so SQL compares timestamps exactly.
    sa.Column("sign_due_at", sa.DateTime, nullable=False),
    sa.Column("dispatch_due_at", sa.DateTime, nullable=False),
    sa.Column("return_request_due_at", sa.DateTime, nullable=False),
    sa.Column("response_due_at", sa.DateTime, nullable=False),
    sa.Column("deadline_at", sa.DateTime, nullable=False),
    sa.Column("at_risk_at", sa.DateTime, nullable=False),     # deadline − 20 % of the allowed span
    sa.Column("extension_days", sa.Integer, nullable=False, server_default="0"),
    sa.Column("redispatch_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reopen_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("urge_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("qc_reject_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("dispatcher_staff_no", sa.String(32)),          # staff of the first DISPATCH
    sa.Column("is_open", sa.Boolean, nullable=False),
    # 待签收 / 退单审核中 / 待派单 / 办理中 / 待质检 / 待办结 / 已办结 / 已退回
    sa.Column("stage", sa.String(8), nullable=False),
    sa.Column("is_late", sa.Boolean, nullable=False),         # closed after deadline (open: see now)
    sa.Column("in_assessment", sa.Boolean, nullable=False),
    sa.Column("callback_valid", sa.Boolean, nullable=False),
    sa.Column("contacted", sa.Boolean, nullable=False),
    sa.Column("resolved", sa.Boolean, nullable=False),
    sa.Column("satisfaction", sa.String(8)),
    sa.Column("rules_version_id", sa.Integer),
    sa.Column("first_redispatch_at", sa.DateTime),            # first REDISPATCH (revision 0003)
    sa.Index("ix_ticket_facts_received_at", "received_at"),
    sa.Index("ix_ticket_facts_open_deadline", "deadline_at",
             postgresql_where=sa.text("is_open"), sqlite_where=sa.text("is_open = 1")),
    sa.Index("ix_ticket_facts_closed_at", "closed_at"),
    # The open tickets are a few thousand of millions: backlog/overview/wall filter
    # `is_open AND received_at <= now`, which the plain received_at index answers by walking
    # all history (5 s at 3 M tickets); this one holds only the open rows.
    sa.Index("ix_ticket_facts_open_received", "received_at", "stage", "deadline_at", "at_risk_at",
             postgresql_where=sa.text("is_open"), sqlite_where=sa.text("is_open = 1")),
    # the 28-day handling median of the staffing plan (dispatched tickets by dispatch time) and
    # the 三率 ranking's closed count per unit read these instead of every ticket's row (rev. 0005)
    sa.Index("ix_ticket_facts_dispatched_signed", "dispatched_at", "signed_at"),
    sa.Index("ix_ticket_facts_received_unit_closed", "received_at", "unit", "closed_at"),
    # the wall's backlog trend reads the tickets open, closed or returned since a week ago as one
    # OR of three index ranges instead of every ticket's row (rev. 0016)
    sa.Index("ix_ticket_facts_return_approved_at", "return_approved_at"),
)

# The clocks that start at an event rather than at receipt (docs/lifecycle.md, docs/assessment.md), one row per
# starting event, derived with the ticket's facts (domain.lifecycle.event_clocks) and
# rebuilt with them, so the monthly counts are range scans instead of correlated look-ups of
# every ticket's other events (revision 0003):
#   close  — a CLOSE: flag = QC covered it; ref_at = the city-QC REOPEN answering it (escape)
#   qc     — a QC_PASS/QC_REJECT: ref_at = the latest REPLY before it
#   reply  — a REPLY: ref_at = the first QC_PASS/QC_REJECT at or after it
#   verify — a VERIFY_ASSIGN: ref_at = the first VERIFY_DONE at or after it
event_clocks = sa.Table(
    "event_clocks", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_no", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("ref_at", sa.DateTime),
    sa.Column("flag", sa.Boolean),
    # covering: the monthly counts read kind + at range and the two verdict columns only
    sa.Index("ix_event_clocks_kind_at", "kind", "at", "ref_at", "flag"),
    sa.Index("ix_event_clocks_ticket_no", "ticket_no"),
)

# A settled day's indicator counts (docs/assessment.md; numerators and denominators add up over days) and
# its 三率 population counts, stored by the writers and dropped by any write that touches the
# day (dashboard.services.assessment.settled_counts): once every clock started that day has run out and
# no data is later than `now`, they no longer depend on `now` (revision 0004).
day_counts = sa.Table(
    "day_counts", metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("params", sa.String(64), primary_key=True),   # SHA-256 of the limits and head counts
    sa.Column("counts", sa.Text, nullable=False),           # JSON {key: [numerator, denominator], …}
    sa.Column("computed_at", sa.DateTime, nullable=False),
)

# The breach forecast's history as of the start of an hour (queries.breach.breach_history, about a
# quarter of a second at 3 M tickets), counted once and kept for every page and app instance of that
# hour: stored by the feed service at the top of the hour, or by the first page that needed it
# (dashboard.services.breach_history; revision 0017).
breach_history_snapshots = sa.Table(
    "breach_history_snapshots", metadata,
    sa.Column("as_of", sa.DateTime, primary_key=True),
    sa.Column("rows", sa.Text, nullable=False),             # JSON [[unit, sla_class, open_through, on_time, tickets], …]
    sa.Column("computed_at", sa.DateTime, nullable=False),
)

# Figures of a finished stretch of time that every page of a day shares (the day's intake forecast,
# the 28 days' handling minutes, the stand-up's repeats of the week before), counted once and kept
# for every page and app instance (dashboard.services.kept_figures; revision 0019).
kept_figures = sa.Table(
    "kept_figures", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("as_of", sa.DateTime, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),             # JSON, the figure's own form
    sa.Column("computed_at", sa.DateTime, nullable=False),
)

rules_versions = sa.Table(
    "rules_versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("effective_from", sa.String(7), nullable=False),  # first month (YYYY-MM) it governs
    sa.Column("body", sa.Text, nullable=False),                 # JSON, decimals as strings
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
)

equipment = sa.Table(
    "equipment", metadata,
    sa.Column("asset_no", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),        # 电脑 / 多功能一体机
    sa.Column("model", sa.String(64)),
    sa.Column("location", sa.String(64)),
    sa.Column("leased", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("status", sa.String(16), nullable=False, server_default="在用"),
    sa.Column("since", sa.Date),
)

users = sa.Table(
    "users", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(128), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("token_version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("last_login_at", sa.DateTime),
    # identity (0012): the single sign-on claim (default the e-mail address) linking an identity
    sa.Column("email", sa.String(254), unique=True, index=True),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("username", sa.String(64), nullable=False, server_default=""),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(128), nullable=False, server_default=""),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("client", sa.String(64), nullable=False, server_default=""),
    sa.Index("ix_audit_log_at", "at"),
)

import_log = sa.Table(
    "import_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("username", sa.String(64), nullable=False, server_default=""),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False, server_default=""),
    sa.Column("rows_total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_inserted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_updated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_unchanged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_rejected", sa.Integer, nullable=False, server_default="0"),
    sa.Column("status", sa.String(16), nullable=False),       # ok / partial / refused
    sa.Column("message", sa.Text, nullable=False, server_default=""),
)

# Month sign-off state (docs/assessment.md): draft → vendor_confirmed → reviewer_approved (frozen).
month_signoffs = sa.Table(
    "month_signoffs", metadata,
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("state", sa.String(20), nullable=False, server_default="draft"),
    sa.Column("rules_version_id", sa.Integer),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("result_json", sa.Text),
    sa.Column("vendor_confirmed_by", sa.String(64)),
    sa.Column("vendor_confirmed_at", sa.DateTime),
    sa.Column("approved_by", sa.String(64)),
    sa.Column("approved_at", sa.DateTime),
    sa.Column("frozen", sa.Boolean, nullable=False, server_default=sa.false()),
)

# Stand-up action items: open items carry over to the next day's stand-up.
standup_actions = sa.Table(
    "standup_actions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_on", sa.Date, nullable=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("due", sa.Date),
    sa.Column("status", sa.String(8), nullable=False, server_default="待办"),  # 待办 / 进行中 / 已完成
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("ix_standup_actions_status_created_on", "status", "created_on"),
)

# Instalment due/paid dates (docs/payment.md), entered by a reviewer/admin; one row per instalment (1–3).
payment_records = sa.Table(
    "payment_records", metadata,
    sa.Column("instalment", sa.Integer, primary_key=True),
    sa.Column("due_on", sa.Date),
    sa.Column("paid_on", sa.Date),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("entered_by", sa.String(64), nullable=False),
    sa.Column("entered_at", sa.DateTime, nullable=False),
)

# Rollups (docs/architecture.md, derived tables): per received day of the tickets, kept current
# inside each import's transaction and after a demo load by dashboard.services.rollups.refresh_days;
# rebuildable from ticket_facts. Text keys are '' for "none" so a day's rows can be compared and
# summed plainly.
# the counts both daily rollups hold: tickets received, then the 三率 population
# (in_assessment and callback_valid) and its answers
ROLLUP_COUNTS = ("received", "population", "contacted", "resolved", "satisfied", "basic_satisfied")


def _rollup_count_columns() -> list[sa.Column]:
    return [sa.Column(name, sa.Integer, nullable=False) for name in ROLLUP_COUNTS]


rollup_daily = sa.Table(
    "rollup_daily", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("street", sa.String(100), nullable=False, server_default=""),
    sa.Column("unit", sa.String(100), nullable=False, server_default=""),
    sa.Column("category_l1", sa.String(64), nullable=False, server_default=""),
    *_rollup_count_columns(),
    sa.Index("ix_rollup_daily_day", "day"),
)

# the district's whole-day totals: rollup_daily summed per day (one row a day instead of ~600),
# for the 三率 totals and trends (revision 0006); kept with rollup_daily by dashboard.services.rollups
rollup_day_totals = sa.Table(
    "rollup_day_totals", metadata,
    sa.Column("day", sa.Date, primary_key=True),
    *_rollup_count_columns(),
)

# PostgreSQL only (revision 0008), outside `metadata`: the tickets per received day, kept by
# statement triggers on tickets whoever writes them; the rollup guard reads it instead of counting
# the tickets (queries.rollups.tickets_received). SQLite has no such table.
postgresql_only = sa.MetaData()
ticket_day_counts = sa.Table(
    "ticket_day_counts", postgresql_only,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("tickets", sa.BigInteger, nullable=False),
)

rollup_hourly = sa.Table(
    "rollup_hourly", metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("hour", sa.Integer, primary_key=True),
    sa.Column("received", sa.Integer, nullable=False),
)

# the working-day calendar (docs/lifecycle.md, working-day option): the days of each known year
# that differ from Monday–Friday (holidays on weekdays 休, make-up weekend days 班); a year with at
# least one row is known, every other day of it counts Monday–Friday. Seeded at init-db from the
# `chinesecalendar` package for the years it knows (source 'chinesecalendar'); a year's State Council
# notice imported by an admin replaces that year's rows (source 'import:<file name>').
calendar_days = sa.Table(
    "calendar_days", metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("working", sa.Boolean, nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
)

# --- data feeds (docs/feed.md): sources pulled unattended, their watermarks, runs and rejects -----
# One row per feed (a source file's name, or an inbox folder): how often it should succeed
# (`every`, seconds; `health` reports a feed that has not succeeded within 3 × every) and when it
# last did (the freshness badge shows it).
feeds = sa.Table(
    "feeds", metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("source", sa.String(300), nullable=False, server_default=""),   # URL without password
    sa.Column("every_seconds", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_success_at", sa.DateTime),
)

# Per feed and kind: how far the source has been read, in the source's own form (the value's
# text and its type: datetime, text, integer, …), written in the same transaction as the rows.
feed_watermarks = sa.Table(
    "feed_watermarks", metadata,
    sa.Column("feed", sa.String(200), sa.ForeignKey("feeds.name"), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("value", sa.String(64), nullable=False),
    sa.Column("value_type", sa.String(16), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# One row per pull of one kind: status running → ok / failed (a killed process leaves running,
# turned into failed by the feed's next start).
feed_runs = sa.Table(
    "feed_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("feed", sa.String(200), sa.ForeignKey("feeds.name"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("status", sa.String(8), nullable=False),          # running / ok / failed
    sa.Column("rows_pulled", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejects", sa.Integer, nullable=False, server_default="0"),
    sa.Column("lag_seconds", sa.Integer),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_feed_runs_feed_started_at", "feed", "started_at"),
)

# Source rows refused by validation (kept aside, the rest flowed): the row's cells as JSON text.
feed_rejects = sa.Table(
    "feed_rejects", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("feed", sa.String(200), sa.ForeignKey("feeds.name"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("feed_runs.id"), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("row_key", sa.String(64), nullable=False, server_default=""),
    sa.Column("watermark", sa.String(64), nullable=False, server_default=""),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("row_json", sa.Text, nullable=False),
    # an event whose ticket has not arrived yet: tried again after each pull of the tickets
    sa.Column("waiting", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_feed_rejects_feed_at", "feed", "at"),
)

# --- report schedule (revision 0011) ---------------------------------------------------------------
# When the feed service first saw each scheduled report (key: the schedule's name, else its kind):
# times before it are not owed; times after it that were missed while the service was down are
# delivered late when it is back (dashboard.services.reports.schedule). busy_until: a process
# delivering the schedule's reports holds it until then, so two feed processes never both mail one.
report_schedule_state = sa.Table(
    "report_schedule_state", metadata,
    sa.Column("schedule_key", sa.String(64), primary_key=True),
    sa.Column("active_since", sa.DateTime, nullable=False),
    sa.Column("busy_until", sa.DateTime),
)

# --- ledgers (docs/ledgers.md; revision 0014) -------------------------------------------------------
# 改进措施: what, owner, due day, status, and the defect type or indicator key it targets; its effect is
# computed from the target's rate before and since `started_on`
qc_measures = sa.Table(
    "qc_measures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("started_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("target_kind", sa.String(16), nullable=False),   # defect / indicator
    sa.Column("target", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
)

# tickets a supervisor flagged as special (特殊工单), with the reason; unflagging stamps cleared_*
special_flags = sa.Table(
    "special_flags", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_no", sa.String(64), sa.ForeignKey("tickets.ticket_no"), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("flagged_at", sa.DateTime, nullable=False),
    sa.Column("flagged_by", sa.String(64), nullable=False),
    sa.Column("cleared_at", sa.DateTime),
    sa.Column("cleared_by", sa.String(64)),
    sa.Column("clear_reason", sa.Text),
    sa.Index("ix_special_flags_ticket_no", "ticket_no"),
)

# the shift lead's handover note of a group's shift, and the next shift lead's acknowledgement
shift_handovers = sa.Table(
    "shift_handovers", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("shift", sa.String(4), nullable=False),
    sa.Column("group_name", sa.String(8), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("written_at", sa.DateTime, nullable=False),
    sa.Column("written_by", sa.String(64), nullable=False),
    sa.Column("acked_at", sa.DateTime),
    sa.Column("acked_by", sa.String(64)),
    sa.UniqueConstraint("day", "shift", "group_name"),
)

# --- identity (0012) ---------------------------------------------------------------------------
# A sign-in session: the browser holds a random token in an HttpOnly cookie (or, for single sign-on,
# the server-side session state holds it); only its SHA-256 is stored. Every run looks the session
# up, so revoking it, disabling the user or changing the password ends it on every instance.
user_sessions = sa.Table(
    "user_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("method", sa.String(16), nullable=False),            # password | sso
    sa.Column("token_version", sa.Integer, nullable=False),        # users.token_version at sign-in
    sa.Column("client", sa.String(64), nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
    sa.Column("second_factor_at", sa.DateTime),                    # last accepted TOTP code
    # single sign-on: SHA-256 of the provider sign-in (issuer, subject, issue time) that opened it
    sa.Column("sso_identity", sa.String(64), index=True),
)

# A user's TOTP second factor (RFC 6238): the base32 secret (sealed: dashboard.infra.secret_box),
# when enrolment was confirmed, the last time step accepted (a code is never accepted twice) and the
# SHA-256 of each unused recovery code.
user_totp = sa.Table(
    "user_totp", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("secret", sa.String(200), nullable=False),
    sa.Column("confirmed_at", sa.DateTime),
    sa.Column("last_step", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("recovery_hashes", sa.Text, nullable=False, server_default=""),
)
