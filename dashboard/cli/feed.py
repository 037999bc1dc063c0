"""`feed SOURCE.yaml [--once]` (docs/feed.md) and `feed --inbox DIR [--once] [--quarantine]` (docs/feed-inbox.md).

The same loop also delivers the scheduled reports that are due (dashboard.services.reports.schedule).
"""
from __future__ import annotations

import logging
import sys
import time
from datetime import datetime
from pathlib import Path

from dashboard.cli.main import CliError, engine_for
from dashboard.infra import logs, mail, settings
from dashboard.infra.db import make_engine
from dashboard.services import breach_history, day_figures
from dashboard.services.bootstrap import init_db
from dashboard.services.feed import config, sql_source
from dashboard.services.feed import inbox as inbox_feed
from dashboard.services.reports import schedule

USAGE = "用法：feed SOURCE.yaml [--once] 或 feed --inbox DIR [--once] [--quarantine]"


def run(args) -> int:
    if getattr(args, "inbox", None):
        if getattr(args, "source", None):
            raise CliError("请只指定一种数据来源：SOURCE.yaml 或 --inbox DIR", 2)
        return run_inbox(args)
    if getattr(args, "source", None):
        return run_sql_source(args)
    raise CliError(USAGE, 2)


def run_sql_source(args) -> int:
    """`feed SOURCE.yaml`: pull until caught up (`--once`) or forever; exit 1 when a `--once` pull
    failed (the failure is recorded as a feed run). The scheduled reports that are due are delivered
    after every cycle, as the inbox loop does."""
    try:
        cfg = config.load(args.source)
        report_schedule = schedule.load_config(args.schedule) if getattr(args, "schedule", None) else schedule.config_from_env()
    except (config.FeedConfigError, schedule.ScheduleError) as e:
        raise CliError(str(e)) from None
    if report_schedule is not None:
        mail.smtp_settings()
    engine = engine_for(args)
    init_db(engine)

    def deliver_due_reports() -> None:
        if report_schedule is None:
            return
        try:
            for d in schedule.run_due_reports(engine, datetime.now(), config=report_schedule):
                if args.once:
                    print(f"已报送 {d.report_no} → {d.path}" + ("（已发邮件）" if d.mailed else ""))
        except Exception as e:  # noqa: BLE001 - the feed keeps running; the log says why
            logs.event("feed_run", logging.ERROR, source="schedule", stage="round_failed",
                       error=f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")

    try:
        code = sql_source.run(engine, cfg, once=args.once, after_cycle=deliver_due_reports)
    except sql_source.SourceError as e:
        raise CliError(str(e)) from None
    if args.once:
        if code == 0:
            print(f"数据接入 {cfg.name}：已拉取到最新")
        else:
            print(f"错误: 数据接入 {cfg.name} 拉取失败，详见 系统管理 → 数据接入 或日志（event=feed_run）", file=sys.stderr)
    return code


def run_inbox(args) -> int:
    folder = Path(args.inbox)
    if not folder.is_dir():
        raise CliError(f"收件箱目录不存在：{folder}")
    every = float(args.every) if getattr(args, "every", None) else inbox_feed.POLL_SECONDS
    if every <= 0:
        raise CliError("--every 应为正数（秒）")
    settle = inbox_feed.SETTLE_SECONDS if getattr(args, "settle", None) is None else float(args.settle)
    if settle < 0:
        raise CliError("--settle 不能为负数")
    try:
        config = schedule.load_config(args.schedule) if getattr(args, "schedule", None) else schedule.config_from_env()
    except schedule.ScheduleError as e:
        raise CliError(str(e)) from None
    if config is not None:
        mail.smtp_settings()    # a half-configured SMTP is refused now, not at the first report
    engine = writer_engine(args)
    init_db(engine)
    watch = inbox_feed.SettleWatch(settle)
    failures = 0
    while True:
        failures = 0 if _round(engine, folder, args, watch, config, verbose=bool(args.once)) else failures + 1
        if args.once:
            return 0 if failures == 0 else 1
        # after failed rounds (database away) wait longer, up to ten rounds' time
        time.sleep(every * min(2 ** failures, 10) if failures else every)


def writer_engine(args):
    """The feed writes: `--db`, else the writers' role (HOTLINE_WRITE_DB_URL), else HOTLINE_DB_URL.
    No statement timeout: a large file is one long transaction."""
    explicit = getattr(args, "db", None)
    return make_engine(settings.db_url(explicit) if explicit else settings.write_db_url(), statement_timeout_ms=0)


def _round(engine, folder: Path, args, watch, config, *, verbose: bool) -> bool:
    """One look at the inbox and the report schedule; False when the round itself failed."""
    try:
        outcomes = inbox_feed.process_ready(engine, folder, quarantine=bool(args.quarantine), watch=watch)
        deliveries = schedule.run_due_reports(engine, datetime.now(), config=config)
    except Exception as e:  # noqa: BLE001 - the service keeps running; the log says why
        logs.event("feed_run", logging.ERROR, source="inbox", stage="round_failed",
                   error=f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        if verbose:
            print(f"错误：本轮处理失败（{type(e).__name__}），文件留在收件箱中", file=sys.stderr)
        return False
    breach_history.warm_for_service(engine)
    day_figures.warm_for_service(engine)
    if verbose:
        for o in outcomes:
            _print_outcome(o)
        for d in deliveries:
            print(f"已报送 {d.report_no} → {d.path}" + ("（已发邮件）" if d.mailed else ""))
    return True


def _print_outcome(o: inbox_feed.FileOutcome) -> None:
    where = f"{o.moved_to.parent.name}/{o.moved_to.name}"
    if o.status == "done":
        summary = o.result.summary() if o.result else ""
        print(f"已导入 {o.name} → {where}：{summary}")
        if o.side_file:
            print(f"  隔离行见 {o.side_file.parent.name}/{o.side_file.name}")
    else:
        print(f"未导入 {o.name} → {where}，原因见 {o.side_file.name if o.side_file else ''}")
