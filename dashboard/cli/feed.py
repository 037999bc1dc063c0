"""`python -m dashboard feed SOURCE.yaml [--once]` (docs/feed.md) and `feed --inbox DIR [--once]`.

Exit 0 when `--once` caught up (or the loop was stopped), 1 with one line when the source file is
unusable or a `--once` pull failed (the failure is recorded as a feed run); without `--once` the
feed never exits on its own: a source that is down or slow is retried after a back-off."""
from __future__ import annotations

import sys

from dashboard.cli.main import CliError, engine_for
from dashboard.services.bootstrap import init_db
from dashboard.services.feed import config, sql_source


def run(args) -> int:
    if getattr(args, "inbox", None):
        if args.source:
            raise CliError("feed 只能指定数据源文件或 --inbox 目录之一", 2)
        return run_inbox(args)
    if not args.source:
        raise CliError("用法: python -m dashboard feed SOURCE.yaml [--once] 或 feed --inbox DIR [--once]", 2)
    try:
        cfg = config.load(args.source)
    except config.FeedConfigError as e:
        raise CliError(str(e)) from None
    engine = engine_for(args)
    init_db(engine)
    try:
        code = sql_source.run(engine, cfg, once=args.once)
    except sql_source.SourceError as e:
        raise CliError(str(e)) from None
    if args.once:
        if code == 0:
            print(f"数据接入 {cfg.name}：已拉取到最新")
        else:
            print(f"错误: 数据接入 {cfg.name} 拉取失败，详见 系统管理 → 数据接入 或日志（event=feed_run）", file=sys.stderr)
    return code


def run_inbox(args) -> int:
    """The inbox folder feed (its own module in dashboard.services.feed)."""
    raise CliError("本版本尚未提供投递目录接入（feed --inbox）", 2)
