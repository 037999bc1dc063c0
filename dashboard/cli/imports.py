"""`python -m dashboard import KIND FILE [--mapping M.yaml] [--quarantine] [--rejects PATH] [--user U]`."""
from __future__ import annotations

import sys
from pathlib import Path

from dashboard.cli.main import CliError, engine_for
from dashboard.services.bootstrap import init_db
from dashboard.services.exports.safe import to_csv_bytes
from dashboard.services.ingest.core import run_import

MAX_PRINTED_REASONS = 50


def run(args) -> int:
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError:
        raise CliError(f"无法读取文件：{path}") from None
    mapping = None
    if args.mapping:
        mpath = Path(args.mapping)
        if not mpath.is_file():
            raise CliError(f"无法读取映射文件：{mpath}")
        mapping = mpath

    engine = engine_for(args)
    init_db(engine)
    res = run_import(engine, args.kind, path.name, data, mapping=mapping, quarantine=args.quarantine,
                     username=getattr(args, "user", "") or "cli")
    for w in res.warnings:
        print(f"提示: {w}")
    if res.status == "refused":
        print(f"错误: {path.name} 未导入：{res.message}", file=sys.stderr)
        _print_reasons(res, sys.stderr)
        return 1
    if res.rejected:
        out = Path(args.rejects) if getattr(args, "rejects", None) else path.with_name(path.name + ".rejects.csv")
        out.write_bytes(to_csv_bytes(res.rejected_rows))
        print(f"已隔离 {res.rejected} 行，原因见 {out}")
        _print_reasons(res, sys.stdout)
    print(res.summary())
    return 0


def _print_reasons(res, stream) -> None:
    rows = list(res.rejects.itertuples(index=False))
    for r in rows[:MAX_PRINTED_REASONS]:
        print(f"  第{r[0]}行 {r[1]}：{r[2]}", file=stream)
    if len(rows) > MAX_PRINTED_REASONS:
        print(f"  … 另有 {len(rows) - MAX_PRINTED_REASONS} 条", file=stream)
