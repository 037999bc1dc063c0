"""Mapping files (docs/imports.md): rename a foreign export's columns and values to the canonical layout."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from dashboard.services.ingest.reading import FileRefused
from dashboard.services.ingest.spec import KINDS


@dataclass(frozen=True)
class Mapping:
    kind: str
    columns: dict[str, str] = field(default_factory=dict)          # source header → canonical
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical → {src: dst}
    defaults: dict[str, str] = field(default_factory=dict)         # canonical → constant
    timezone: str | None = None


def load_mapping(source) -> Mapping:
    """A Mapping from a path, YAML text/bytes, a dict or a Mapping; refuses bad files in Chinese."""
    if source is None or isinstance(source, Mapping):
        return source
    if isinstance(source, Path):
        try:
            source = source.read_bytes()
        except OSError:
            raise FileRefused(f"无法读取映射文件 {source}") from None
    if isinstance(source, bytes):
        source = source.decode("utf-8-sig", errors="replace")
    if isinstance(source, str):
        try:
            source = yaml.safe_load(source)
        except yaml.YAMLError as e:
            raise FileRefused(f"映射文件不是有效的 YAML：{str(e).splitlines()[0]}") from None
    if not isinstance(source, dict):
        raise FileRefused("映射文件格式错误：应为包含 kind/columns 的 YAML 字典")
    kind = str(source.get("kind") or "")
    if kind not in KINDS:
        raise FileRefused(f"映射文件的 kind 无效：{kind!r}（应为 {'/'.join(KINDS)}）")

    def str_dict(name) -> dict:
        v = source.get(name) or {}
        if not isinstance(v, dict):
            raise FileRefused(f"映射文件的 {name} 应为字典")
        return {str(k).strip(): ("" if x is None else str(x).strip() if not isinstance(x, dict) else x)
                for k, x in v.items()}

    values = {}
    for col, table in str_dict("values").items():
        if not isinstance(table, dict):
            raise FileRefused(f"映射文件的 values.{col} 应为字典")
        values[col] = {str(k).strip(): ("" if v is None else str(v).strip()) for k, v in table.items()}
    tz = source.get("timezone")
    if tz:
        try:
            ZoneInfo(str(tz))
        except (ZoneInfoNotFoundError, ValueError):
            raise FileRefused(f"映射文件的 timezone 无效：{tz}") from None
    return Mapping(kind=kind, columns=str_dict("columns"), values=values, defaults=str_dict("defaults"),
                   timezone=str(tz) if tz else None)
