"""The feeds' state in our database (docs/feed.md): the feed itself, each kind's watermark in the
source's own form, one row per pull (feed_runs) and the rows kept aside (feed_rejects). Every
function runs in the caller's transaction, so a batch's rows and its watermark commit together."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries.schema import feed_rejects, feed_runs, feed_watermarks, feeds

RUNNING, OK, FAILED = "running", "ok", "failed"
INTERRUPTED = "进程中断：上次拉取未正常结束（已提交的批次保留，其余下次重新拉取）"


@dataclass(frozen=True)
class Watermark:
    """How far a kind of the source has been read: the value as the source returned it."""
    value: object

    @property
    def type(self) -> str:
        v = self.value
        if isinstance(v, bool):
            raise TypeError("a boolean is not a watermark")
        if isinstance(v, int):
            return "integer"
        if isinstance(v, datetime):
            return "datetime"
        if isinstance(v, date):
            return "date"
        if isinstance(v, Decimal):
            return "decimal"
        if isinstance(v, float):
            return "float"
        if isinstance(v, str):
            return "text"
        raise TypeError(f"unsupported watermark value {type(v).__name__}")

    @property
    def text(self) -> str:
        v = self.value
        if isinstance(v, datetime):
            return v.isoformat(sep=" ")
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, float):
            return repr(v)
        return str(v)

    @classmethod
    def decode(cls, text: str, type_: str) -> Watermark:
        parse = {"integer": int, "datetime": datetime.fromisoformat, "date": date.fromisoformat,
                 "decimal": Decimal, "float": float, "text": str}[type_]
        return cls(parse(text))


def ensure_feed(conn: Connection, name: str, *, source: str, every: int, now: datetime) -> None:
    """The feed's row (created on its first start; its source and interval kept current)."""
    found = conn.execute(sa.select(feeds.c.name).where(feeds.c.name == name)).first()
    if found is None:
        conn.execute(feeds.insert().values(name=name, source=source[:300], every_seconds=every, created_at=now))
    else:
        conn.execute(feeds.update().where(feeds.c.name == name).values(source=source[:300], every_seconds=every))


def close_interrupted(conn: Connection, name: str, now: datetime) -> int:
    """Runs a killed process left `running` become failed; returns how many."""
    r = conn.execute(feed_runs.update().where(feed_runs.c.feed == name, feed_runs.c.status == RUNNING)
                     .values(status=FAILED, finished_at=now, error=INTERRUPTED))
    return r.rowcount or 0


def watermark(conn: Connection, name: str, kind: str) -> Watermark | None:
    row = conn.execute(sa.select(feed_watermarks.c.value, feed_watermarks.c.value_type)
                       .where(feed_watermarks.c.feed == name, feed_watermarks.c.kind == kind)).first()
    return None if row is None else Watermark.decode(row[0], row[1])


def set_watermark(conn: Connection, name: str, kind: str, mark: Watermark, now: datetime) -> None:
    values = {"value": mark.text, "value_type": mark.type, "updated_at": now}
    r = conn.execute(feed_watermarks.update().where(feed_watermarks.c.feed == name, feed_watermarks.c.kind == kind)
                     .values(**values))
    if not r.rowcount:
        conn.execute(feed_watermarks.insert().values(feed=name, kind=kind, **values))


def start_run(conn: Connection, name: str, kind: str, now: datetime) -> int:
    r = conn.execute(feed_runs.insert().values(feed=name, kind=kind, started_at=now, status=RUNNING))
    return int(r.inserted_primary_key[0])


def add_to_run(conn: Connection, run_id: int, *, rows: int, rejects: int, lag_seconds: int | None = None) -> None:
    values: dict = {"rows_pulled": feed_runs.c.rows_pulled + rows, "rejects": feed_runs.c.rejects + rejects}
    if lag_seconds is not None:
        values["lag_seconds"] = sa.case((feed_runs.c.lag_seconds.is_(None), lag_seconds),
                                        (feed_runs.c.lag_seconds < lag_seconds, lag_seconds),
                                        else_=feed_runs.c.lag_seconds)
    conn.execute(feed_runs.update().where(feed_runs.c.id == run_id).values(**values))


def finish_run(conn: Connection, run_id: int, now: datetime, *, error: str = "") -> None:
    conn.execute(feed_runs.update().where(feed_runs.c.id == run_id)
                 .values(status=FAILED if error else OK, finished_at=now, error=error))


def run_row(conn: Connection, run_id: int) -> dict:
    return dict(conn.execute(sa.select(feed_runs).where(feed_runs.c.id == run_id)).mappings().one())


def last_success(conn: Connection, name: str) -> datetime | None:
    """When the feed last completed a good cycle (None: never)."""
    return conn.execute(sa.select(feeds.c.last_success_at).where(feeds.c.name == name)).scalar()


def succeeded(conn: Connection, name: str, now: datetime) -> None:
    """Every kind of the feed was pulled until caught up at `now`."""
    conn.execute(feeds.update().where(feeds.c.name == name).values(last_success_at=now))


def add_rejects(conn: Connection, name: str, kind: str, run_id: int, now: datetime, rows: list[dict]) -> int:
    """Keep the refused rows (row_key, watermark, reason, cells, waiting); a row already kept with
    the same key, watermark and reason (re-read in the overlap window) is not kept twice.
    Returns how many were new."""
    new = 0
    for r in rows:
        cells = json.dumps(r["cells"], ensure_ascii=False, sort_keys=True)
        same = conn.execute(sa.select(feed_rejects.c.id).where(
            feed_rejects.c.feed == name, feed_rejects.c.kind == kind, feed_rejects.c.row_key == r["row_key"][:64],
            feed_rejects.c.watermark == r["watermark"][:64], feed_rejects.c.reason == r["reason"],
            feed_rejects.c.row_json == cells).limit(1)).first()
        if same is not None:
            continue
        conn.execute(feed_rejects.insert().values(
            feed=name, kind=kind, run_id=run_id, at=now, row_key=r["row_key"][:64], watermark=r["watermark"][:64],
            reason=r["reason"], row_json=cells, waiting=bool(r.get("waiting"))))
        new += 1
    return new


def waiting_rows(conn: Connection, name: str, kind: str) -> list[tuple[int, dict]]:
    """(reject id, cells) of the rows waiting for their ticket, oldest first."""
    rows = conn.execute(sa.select(feed_rejects.c.id, feed_rejects.c.row_json).where(
        feed_rejects.c.feed == name, feed_rejects.c.kind == kind, feed_rejects.c.waiting == sa.true())
        .order_by(feed_rejects.c.id)).all()
    return [(int(i), json.loads(cells)) for i, cells in rows]


def drop_rejects(conn: Connection, ids: list[int]) -> None:
    for i in range(0, len(ids), 500):
        conn.execute(feed_rejects.delete().where(feed_rejects.c.id.in_(ids[i:i + 500])))
