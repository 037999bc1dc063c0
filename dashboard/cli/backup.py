"""`python -m dashboard backup --out DIR` and `restore DIR` (docs/operations.md)."""
from __future__ import annotations

from dashboard.cli.main import CliError, engine_for
from dashboard.services import backup, health


def run(args) -> int:
    engine = engine_for(args)
    try:
        if args.command == "backup":
            return _backup(engine, args.out)
        return _restore(engine, args.dir)
    except backup.BackupError as e:
        raise CliError(str(e)) from None
    finally:
        engine.dispose()


def _backup(engine, out: str) -> int:
    manifest = backup.backup(engine, out)
    tables = manifest["tables"]
    print(f"已备份到 {out}：{len(tables)} 张表共 {sum(tables.values())} 行，冻结月份 {len(manifest['frozen_months'])} 个，"
          f"结构版本 {manifest['schema_revision']}")
    for month in backup.changed_since_signoff(manifest):
        print(f"警告：{month} 的数据与签认冻结时的哈希不一致（签认后被改动过），已如实备份")
    return 0


def _restore(engine, src: str) -> int:
    manifest = backup.restore(engine, src)
    tables = manifest["tables"]
    print(f"已恢复 {src}：{len(tables)} 张表共 {sum(tables.values())} 行，冻结月份 {len(manifest['frozen_months'])} 个，"
          f"行数与哈希均与清单一致")
    if engine.dialect.name == "postgresql":
        print("提示：数据库角色的授权未随备份恢复，如使用 deploy/postgres-roles.sql 的角色，请重新执行其中的 GRANT 语句")
    head = health.head_revision()
    if manifest["schema_revision"] != head:
        print(f"提示：备份的结构版本 {manifest['schema_revision']} 低于本程序的 {head}，请运行 python -m dashboard init-db 升级")
    return 0
