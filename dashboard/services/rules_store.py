"""Rules versions in the database: the defaults seeded once, the version in force for a month."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.rules import Rules
from queries.schema import rules_versions


def ensure_default(conn: Connection) -> None:
    if conn.execute(sa.select(sa.func.count()).select_from(rules_versions)).scalar_one() == 0:
        conn.execute(rules_versions.insert().values(
            effective_from="2000-01", body=Rules.default().to_json(),
            note="合同默认规则", created_at=datetime.now().replace(microsecond=0),
            created_by="system"))


def rules_for_month(conn: Connection, month: str | None = None) -> Rules:
    """The newest version whose effective_from ≤ month (all months when None)."""
    stmt = sa.select(rules_versions).order_by(rules_versions.c.effective_from.desc(), rules_versions.c.id.desc())
    if month:
        stmt = stmt.where(rules_versions.c.effective_from <= month)
    row = conn.execute(stmt.limit(1)).mappings().first()
    if row is None:
        return Rules.default()
    return Rules.from_json(row["body"], row["id"], row["effective_from"])


def rules_for_months(conn: Connection, months: list[str]) -> dict[str, Rules]:
    """{month: rules_for_month(conn, month)} from one read of the versions (a 12-period trend
    asked twelve times)."""
    if not months:
        return {}
    stmt = (sa.select(rules_versions).where(rules_versions.c.effective_from <= max(months))
            .order_by(rules_versions.c.effective_from.desc(), rules_versions.c.id.desc()))
    rows = conn.execute(stmt).mappings().all()
    out, parsed = {}, {}
    for month in months:
        row = next((r for r in rows if r["effective_from"] <= month), None)
        if row is None:
            out[month] = Rules.default()
        else:
            if row["id"] not in parsed:
                parsed[row["id"]] = Rules.from_json(row["body"], row["id"], row["effective_from"])
            out[month] = parsed[row["id"]]
    return out


def current_rules(conn: Connection) -> Rules:
    return rules_for_month(conn, datetime.now().strftime("%Y-%m"))


def add_version(conn: Connection, rules: Rules, *, effective_from: str, note: str, username: str) -> int:
    """Store a new version; its id. Only stores: settled counts for new limits are the caller's
    to refill (dashboard.services.assessment.settled_counts.refill)."""
    result = conn.execute(rules_versions.insert().values(
        effective_from=effective_from, body=rules.to_json(), note=note,
        created_at=datetime.now().replace(microsecond=0), created_by=username))
    return int(result.inserted_primary_key[0])
