"""A source file (YAML) of the SQL feed: where the source is, how often to pull, one query per kind
(docs/feed.md). Bad files are refused with a Chinese message (FeedConfigError)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import yaml

from dashboard.services.ingest.mapping import Mapping, load_mapping
from dashboard.services.ingest.reading import FileRefused

FEED_KINDS = ("tickets", "events", "staff", "shifts", "reports")   # in pull order: tickets before their events
WATERMARK_TYPES = ("timestamp", "integer")
DEFAULT_EVERY_SECONDS = 60
DEFAULT_OVERLAP_SECONDS = 300
DEFAULT_BATCH = 5000
DEFAULT_TIMEOUT_SECONDS = 120       # a source statement running longer is cancelled (where the engine can)
_ENV = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


class FeedConfigError(Exception):
    """The source file cannot be used; the message is for the operator (Chinese)."""


@dataclass(frozen=True)
class KindSource:
    kind: str
    query: str
    watermark: str = "timestamp"
    batch: int = DEFAULT_BATCH
    mapping: Mapping | None = None      # values: / timezone: / columns: / defaults: as in a mapping file


@dataclass(frozen=True)
class FeedConfig:
    name: str                  # the feed's name in our database (runs, watermarks, rejects)
    url: str                   # SQLAlchemy URL of the source
    every: int = DEFAULT_EVERY_SECONDS
    overlap: int = DEFAULT_OVERLAP_SECONDS
    timeout: int = DEFAULT_TIMEOUT_SECONDS
    kinds: dict[str, KindSource] = field(default_factory=dict)

    @property
    def shown_url(self) -> str:
        """The source URL without its password (logs, /admin)."""
        try:
            return sa.engine.make_url(self.url).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - an unparsable URL is refused when opened
            return "?"


def load(path: str | Path, environ: dict | None = None) -> FeedConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError:
        raise FeedConfigError(f"无法读取数据源文件：{path}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise FeedConfigError(f"数据源文件不是有效的 YAML：{str(e).splitlines()[0]}") from None
    return parse(data, default_name=path.stem, environ=os.environ if environ is None else environ)


def parse(data, *, default_name: str, environ) -> FeedConfig:
    if not isinstance(data, dict):
        raise FeedConfigError("数据源文件格式错误：应为包含 source 与各类数据查询的 YAML 字典")
    url = _source_url(data.get("source"), environ)
    kinds = {}
    for kind in FEED_KINDS:
        if data.get(kind) is not None:
            kinds[kind] = _kind(kind, data[kind])
    unknown = sorted(set(map(str, data)) - {"source", "name", "every", "overlap", "timeout", *FEED_KINDS})
    if unknown:
        raise FeedConfigError(f"数据源文件中有未知的项：{'、'.join(unknown)}（可用：source、name、every、overlap、timeout、"
                              f"{'、'.join(FEED_KINDS)}）")
    if not kinds:
        raise FeedConfigError(f"数据源文件没有任何查询：至少需要 {'、'.join(FEED_KINDS)} 之一")
    name = str(data.get("name") or default_name).strip()[:200]
    return FeedConfig(name=name, url=url, every=_seconds(data, "every", DEFAULT_EVERY_SECONDS, minimum=1),
                      overlap=_seconds(data, "overlap", DEFAULT_OVERLAP_SECONDS, minimum=0),
                      timeout=_seconds(data, "timeout", DEFAULT_TIMEOUT_SECONDS, minimum=1), kinds=kinds)


def _source_url(value, environ) -> str:
    text = str(value or "").strip()
    if not text:
        raise FeedConfigError("数据源文件缺少 source（SQLAlchemy 连接 URL，或 ${环境变量名}）")
    m = _ENV.match(text)
    if m:
        text = str(environ.get(m[1]) or "").strip()
        if not text:
            raise FeedConfigError(f"环境变量 {m[1]} 未设置或为空（数据源文件的 source 引用了它）")
    try:
        sa.engine.make_url(text)
    except sa.exc.ArgumentError:
        raise FeedConfigError("数据源的 source 不是有效的 SQLAlchemy 连接 URL") from None
    return text


def _seconds(data: dict, key: str, default: int, *, minimum: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FeedConfigError(f"数据源文件的 {key} 应为不小于 {minimum} 的整数（秒），实际为 {value!r}")
    return value


def _kind(kind: str, spec) -> KindSource:
    if isinstance(spec, str):
        spec = {"query": spec}
    if not isinstance(spec, dict):
        raise FeedConfigError(f"数据源文件的 {kind} 应为包含 query 的字典")
    query = str(spec.get("query") or "").strip()
    if not query:
        raise FeedConfigError(f"数据源文件的 {kind} 缺少 query")
    for param in (":since", ":limit"):
        if not re.search(re.escape(param) + r"\b", query):
            raise FeedConfigError(f"数据源文件的 {kind}.query 应使用参数 {param}")
    watermark = str(spec.get("watermark") or "timestamp").strip()
    if watermark not in WATERMARK_TYPES:
        raise FeedConfigError(f"数据源文件的 {kind}.watermark 应为 timestamp 或 integer，实际为 {watermark!r}")
    batch = spec.get("batch", DEFAULT_BATCH)
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise FeedConfigError(f"数据源文件的 {kind}.batch 应为正整数，实际为 {batch!r}")
    extra = sorted(set(map(str, spec)) - {"query", "watermark", "batch", "values", "timezone", "columns", "defaults"})
    if extra:
        raise FeedConfigError(f"数据源文件的 {kind} 中有未知的项：{'、'.join(extra)}")
    mapping = None
    if any(spec.get(k) for k in ("values", "timezone", "columns", "defaults")):
        try:
            mapping = load_mapping({"kind": kind, **{k: spec[k] for k in ("values", "timezone", "columns", "defaults")
                                                     if spec.get(k)}})
        except FileRefused as e:
            raise FeedConfigError(f"数据源文件的 {kind}：{str(e).replace('映射文件', '')}") from None
    return KindSource(kind=kind, query=query, watermark=watermark, batch=batch, mapping=mapping)
