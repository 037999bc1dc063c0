"""Operational logs: one line per event on stderr (journald keeps it), configured here only.

Format: key=value (`ts=… level=info event=sign_in user=alice role=leader`), or one JSON object
per line with HOTLINE_LOG_FORMAT=json. Level: HOTLINE_LOG_LEVEL (debug/info/warning/error);
without it the app and the service commands log from info, the other commands from warning, so
an operator at a terminal sees the command's own output (docs/operations.md lists the events).

Every record of the `dashboard` logger tree goes through the same formatter, including the
modules' own `logging.getLogger(__name__)` messages. Nothing secret reaches the output: fields
named like a password, cookie, token, secret or phone are masked, phone numbers anywhere in a
value are masked, and SQL parameters are cut from error texts.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

ROOT_LOGGER = "dashboard"
events_logger = logging.getLogger("dashboard.events")

SLOW_QUERY_SECONDS = 1.0
STATEMENT_CHARS = 200          # of a slow statement's text (never its parameters)
MASK = "***"

# a field whose name contains one of these is never written
SECRET_NAMES = ("password", "passwd", "cookie", "token", "secret", "phone", "mobile", "电话", "手机")
# mainland mobiles (optionally +86) and landlines written with an area code: 010-12345678
_PHONE = re.compile(r"(?<![\d.])(?:\+?86[- ]?)?1[3-9]\d{9}(?![\d.])|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")
# SQLAlchemy error texts carry the statement's bound values ("[parameters: …]") on their own line
_PARAMETERS = re.compile(r"\[parameters: .*?$", re.MULTILINE)
_BARE = re.compile(r"^[^\s\"'=\\]+$")

_lock = threading.Lock()
_handler: logging.Handler | None = None


def scrub(text: str) -> str:
    """`text` without phone numbers or SQL parameter values."""
    return _PHONE.sub(MASK, _PARAMETERS.sub("[parameters: ***]", text))


def _secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_NAMES)


def _value(v) -> object:
    if v is None or isinstance(v, bool | int | float):
        return v
    if isinstance(v, datetime):
        return v.isoformat(sep=" ", timespec="seconds")
    return scrub(str(v))


class EventFormatter(logging.Formatter):
    """One line per record: ts, level, event, then the event's fields (key=value or JSON)."""

    def __init__(self, json_lines: bool = False):
        super().__init__()
        self.json_lines = json_lines

    def fields(self, record: logging.LogRecord) -> dict:
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": getattr(record, "hotline_event", None) or "message",
        }
        given = getattr(record, "hotline_fields", None)
        if given is None:
            out["logger"] = record.name
            out["msg"] = record.getMessage()
        else:
            out.update(given)
        if record.exc_info and record.exc_info[1] is not None:
            out["error"] = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
            out["traceback"] = self.formatException(record.exc_info)
        return {k: (MASK if _secret(k) else _value(v)) for k, v in out.items()}

    def format(self, record: logging.LogRecord) -> str:
        fields = self.fields(record)
        if self.json_lines:
            return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        return " ".join(f"{k}={_kv(v)}" for k, v in fields.items())


def _kv(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "true" if v else "false"
    text = str(v)
    if text and _BARE.match(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


class _StderrHandler(logging.StreamHandler):
    """Writes to the sys.stderr of the moment (a test's capture, a redirected stream)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr       # under the handler's lock (Handler.handle)
        super().emit(record)


def _level(default: int) -> int:
    name = os.environ.get("HOTLINE_LOG_LEVEL", "").strip().upper()
    level = logging.getLevelName(name) if name else default
    return level if isinstance(level, int) else default


def configure(default_level: int = logging.INFO) -> None:
    """(Re)configure the `dashboard` logger tree from HOTLINE_LOG_FORMAT / HOTLINE_LOG_LEVEL."""
    global _handler
    with _lock:
        root = logging.getLogger(ROOT_LOGGER)
        if _handler is not None:
            root.removeHandler(_handler)
        _handler = _StderrHandler()
        _handler.setFormatter(EventFormatter(os.environ.get("HOTLINE_LOG_FORMAT", "").strip().lower() == "json"))
        root.addHandler(_handler)
        root.setLevel(_level(default_level))
        root.propagate = False   # one line per event, whatever else configured the root logger


def _configured() -> None:
    if _handler is None:
        configure()


# the events of docs/operations.md that are not plain information
LEVELS = {
    "sign_in_failed": logging.WARNING,
    "refused": logging.WARNING,
    "second_factor_failed": logging.WARNING,
    "slow_query": logging.WARNING,
    "db_outage_begin": logging.ERROR,
    "audit_write_failed": logging.ERROR,
}


def event(name: str, level: int | None = None, **fields) -> None:
    """Log one event with its fields (values of secret-named fields and phone numbers masked);
    its level from LEVELS unless given."""
    _configured()
    level = LEVELS.get(name, logging.INFO) if level is None else level
    events_logger.log(level, name, extra={"hotline_event": name, "hotline_fields": fields})


# --- database outages and the connection breaker ---------------------------------------------------

class OutageWatch:
    """Turns the failures and successes of database reads into one `db_outage_begin` when the
    first read fails and one `db_outage_end` (with its length) when a read succeeds again."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._since: float | None = None
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, error: BaseException, *, timeout: bool = False) -> None:
        """A read failed for want of the database (a statement timeout is not an outage)."""
        if timeout:
            return
        with self._lock:
            if self._since is not None:
                return
            self._since = self.clock()
        event("db_outage_begin", error=first_line(error))

    def recovered(self) -> None:
        if self._since is None:      # the common case: no lock taken per successful read
            return
        with self._lock:
            if self._since is None:
                return
            seconds = self.clock() - self._since
            self._since = None
        event("db_outage_end", seconds=round(seconds, 1))


outage = OutageWatch()


def breaker_changed(db: str, old: str, new: str) -> None:
    event("breaker", logging.INFO if new == "closed" else logging.WARNING, db=db, old=old, new=new)


def first_line(error: BaseException) -> str:
    """The first line of a (database) error's own message, for a log line."""
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


# --- slow queries ----------------------------------------------------------------------------------

_STARTED = "hotline_query_started"


def watch_slow_queries(engine: Engine) -> None:
    """Log every statement of `engine` that runs longer than SLOW_QUERY_SECONDS: its duration and
    the start of its text, never its parameters."""
    _configured()

    @sa_event.listens_for(engine, "before_cursor_execute")
    def _start(_conn, _cursor, _statement, _parameters, context, _executemany):
        if context is not None:
            setattr(context, _STARTED, time.perf_counter())

    @sa_event.listens_for(engine, "after_cursor_execute")
    def _end(_conn, _cursor, statement, _parameters, context, executemany):
        started = getattr(context, _STARTED, None) if context is not None else None
        if started is None:
            return
        seconds = time.perf_counter() - started
        if seconds >= SLOW_QUERY_SECONDS:
            event("slow_query", ms=round(seconds * 1000), db=engine.dialect.name,
                  many=bool(executemany), statement=" ".join(statement.split())[:STATEMENT_CHARS])
