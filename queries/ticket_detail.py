"""One ticket's descriptive fields and current facts, and the filter choices of the 工单查询 page."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries.schema import categories, units
from queries.schema import ticket_facts as tf
from queries.schema import tickets as t

DETAIL_KEYS = ["ticket_no", "called_at", "received_at", "appeal_type", "urgency", "sla_class", "category_l1",
               "category_l2", "category_l3", "title", "content", "address", "street", "unit", "in_assessment",
               "callback_at", "callback_valid", "contacted", "resolved", "satisfaction", "imported_deadline_at",
               "stage", "is_open", "deadline_at", "closed_at", "extension_days"]


def ticket_detail(conn: Connection, ticket_no: str) -> dict | None:
    """The ticket row with its facts (None when the ticket does not exist). Keys: DETAIL_KEYS;
    imported_deadline_at is the imported 截止时间 (None when absent), deadline_at the derived deadline;
    stage / is_open / deadline_at / closed_at / extension_days are None when no facts row exists yet."""
    stmt = (sa.select(t.c.ticket_no, t.c.called_at, t.c.received_at, t.c.appeal_type, t.c.urgency, t.c.sla_class,
                      t.c.category_l1, t.c.category_l2, t.c.category_l3, t.c.title, t.c.content, t.c.address,
                      t.c.street, t.c.unit, t.c.in_assessment, t.c.callback_at, t.c.callback_valid, t.c.contacted,
                      t.c.resolved, t.c.satisfaction, t.c.deadline_at.label("imported_deadline_at"), tf.c.stage,
                      tf.c.is_open, tf.c.deadline_at, tf.c.closed_at, tf.c.extension_days)
            .select_from(t.outerjoin(tf, tf.c.ticket_no == t.c.ticket_no))
            .where(t.c.ticket_no == ticket_no))
    row = conn.execute(stmt).mappings().first()
    return None if row is None else {k: row[k] for k in DETAIL_KEYS}


def filter_options(conn: Connection) -> dict[str, list[str]]:
    """Reference choices: streets, units (streets, departments, companies), category_l1 — sorted names."""
    names = conn.execute(sa.select(units.c.name, units.c.kind).order_by(units.c.kind, units.c.code)).all()
    l1 = [r[0] for r in conn.execute(sa.select(categories.c.l1).distinct().order_by(categories.c.l1))]
    return {"streets": [n for n, k in names if k == "street"],
            "units": [n for n, k in names if k == "department"] + [n for n, k in names if k == "company"]
            + [n for n, k in names if k == "street"],
            "category_l1": l1}
