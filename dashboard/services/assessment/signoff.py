"""Month sign-off (docs/assessment.md): draft → vendor_confirmed (乙方确认) → approved (甲方审定)
→ frozen, and the admin-only reopening.

Freezing stores the month's result and a SHA-256 over a canonical JSON of the month's inputs,
the rules version and the result, so that anybody can later prove nothing changed
(`verify_hash`). Every function re-checks the acting role server-side (domain.access.can)
and every transition leaves an audit row. Functions work inside the caller's transaction.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from dashboard.infra import logs
from dashboard.services import audit
from dashboard.services.assessment import settled_counts
from dashboard.services.assessment.engine import AssessmentError, check_month, compute, to_dict
from dashboard.services.rules_store import add_version, rules_for_month
from domain.access import can
from domain.rules import Rules
from domain.vocabulary import ITEM_BONUS, ITEM_DEDUCTION, ITEM_TYPES, NO_DATA, NO_DATA_MEANING
from queries.assessment import month_bounds, month_has_data
from queries.schema import manual_items, month_signoffs, reports, rules_versions, shifts, staff, ticket_events, tickets

DRAFT, VENDOR_CONFIRMED, APPROVED, FROZEN = "draft", "vendor_confirmed", "approved", "frozen"
STATE_LABELS = {DRAFT: "草稿", VENDOR_CONFIRMED: "乙方已确认", APPROVED: "甲方已审定", FROZEN: "已冻结"}
MAX_ITEM_POINTS = Decimal("100")


class SignoffError(ValueError):
    """A refused sign-off step or write; the message is Chinese, for the user."""


class AccessDenied(SignoffError):
    pass


def _require(conn: Connection, role: str | None, action: str, username: str, target: str) -> None:
    if not can(role, action):
        raise audit.denied(conn, AccessDenied(f"无权执行此操作（{action}）：当前角色 {role or '未登录'} 不具备该权限"),
                           username=username, target=target, detail=f"action={action} role={role}")


def _month(month: str) -> str:
    try:
        return check_month(month)
    except AssessmentError as e:
        raise SignoffError(str(e)) from None


def status(conn: Connection, month: str) -> dict:
    """The month's sign-off row as a dict (a draft when none exists)."""
    month = _month(month)
    row = conn.execute(sa.select(month_signoffs).where(month_signoffs.c.month == month)).mappings().first()
    if row is None:
        return {"month": month, "state": DRAFT, "frozen": False, "rules_version_id": None, "content_hash": None,
                "result_json": None, "vendor_confirmed_by": None, "vendor_confirmed_at": None,
                "approved_by": None, "approved_at": None}
    return dict(row)


def is_frozen(conn: Connection, month: str) -> bool:
    return bool(conn.execute(sa.select(month_signoffs.c.frozen).where(
        month_signoffs.c.month == month, month_signoffs.c.frozen)).first())


def frozen_months(conn: Connection) -> set[str]:
    return {r[0] for r in conn.execute(sa.select(month_signoffs.c.month).where(month_signoffs.c.frozen))}


def ensure_not_frozen(conn: Connection, month: str) -> None:
    if is_frozen(conn, month):
        raise SignoffError(f"{month} 已签认冻结，不能修改该月数据（如需更正，请由系统管理员填写理由后解冻）")


def _save(conn: Connection, month: str, values: dict) -> None:
    exists = conn.execute(sa.select(month_signoffs.c.month).where(month_signoffs.c.month == month)).first()
    if exists:
        conn.execute(month_signoffs.update().where(month_signoffs.c.month == month).values(**values))
    else:
        conn.execute(month_signoffs.insert().values(month=month, **values))


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now()).replace(microsecond=0)


def no_data_reason(month: str) -> str:
    return f"{month} {NO_DATA}（{NO_DATA_MEANING}），没有考核结果，不能签认"


def ensure_has_data(conn: Connection, month: str, now: datetime | None) -> None:
    """A month without data has no score: there is nothing to confirm, approve or freeze."""
    if not month_has_data(conn, month, now or datetime.now()):
        raise SignoffError(no_data_reason(month))


# --- transitions -------------------------------------------------------------------------------

def vendor_confirm(conn: Connection, month: str, username: str, role: str, now: datetime | None = None) -> dict:
    """乙方确认 (manager/admin): the vendor accepts the month's computed result."""
    month = _month(month)
    _require(conn, role, "signoff_vendor", username, f"month:{month}")
    st = status(conn, month)
    if st["frozen"]:
        raise SignoffError(f"{month} 已冻结，无需再次确认")
    if st["state"] != DRAFT:
        raise SignoffError(f"{month} 当前状态为「{STATE_LABELS.get(st['state'], st['state'])}」，不能重复确认")
    ensure_has_data(conn, month, now)
    at = _now(now)
    _save(conn, month, {"state": VENDOR_CONFIRMED, "vendor_confirmed_by": username, "vendor_confirmed_at": at})
    audit.record(conn, username=username, action="signoff_vendor_confirm", target=f"month:{month}",
                 detail="乙方确认月度考核结果")
    logs.event("signoff", month=month, step=VENDOR_CONFIRMED, user=username, role=role)
    return status(conn, month)


def approve(conn: Connection, month: str, username: str, role: str, now: datetime | None = None) -> dict:
    """甲方审定 (reviewer/admin), which freezes the month: result, rules version and hash stored."""
    month = _month(month)
    _require(conn, role, "signoff_reviewer", username, f"month:{month}")
    st = status(conn, month)
    if st["frozen"]:
        raise SignoffError(f"{month} 已冻结")
    if st["state"] != VENDOR_CONFIRMED:
        raise SignoffError(f"{month} 须先由乙方确认，才能由甲方审定")
    ensure_has_data(conn, month, now)
    at = _now(now)
    _save(conn, month, {"state": APPROVED, "approved_by": username, "approved_at": at})
    audit.record(conn, username=username, action="signoff_approve", target=f"month:{month}",
                 detail="甲方审定月度考核结果")
    return freeze(conn, month, username, role, now=now)


def freeze(conn: Connection, month: str, username: str, role: str, now: datetime | None = None) -> dict:
    """Store the result and its content hash; from here on the month's inputs cannot change."""
    month = _month(month)
    _require(conn, role, "signoff_reviewer", username, f"month:{month}")
    st = status(conn, month)
    if st["state"] != APPROVED:
        raise SignoffError(f"{month} 须经甲方审定后才能冻结")
    # the result as of the approval moment: what both parties saw and signed
    computed = compute(conn, month, now or datetime.now())
    if not computed.has_data:
        raise SignoffError(no_data_reason(month))
    result = to_dict(computed)
    result_json = canonical_json(result)
    digest = content_hash(conn, month, result["rules_version_id"], result)
    _save(conn, month, {"state": FROZEN, "frozen": True, "rules_version_id": result["rules_version_id"],
                        "content_hash": digest, "result_json": result_json})
    audit.record(conn, username=username, action="signoff_freeze", target=f"month:{month}",
                 detail=f"score={result['score']} factor={result['payment_factor']} sha256={digest}")
    logs.event("signoff", month=month, step=FROZEN, user=username, role=role, sha256=digest)
    return status(conn, month)


def unfreeze(conn: Connection, month: str, username: str, role: str, reason: str) -> dict:
    """Admin only, with a reason: the month returns to draft and must be signed off again."""
    month = _month(month)
    _require(conn, role, "unfreeze", username, f"month:{month}")
    reason = (reason or "").strip()
    if not reason:
        raise SignoffError("解冻必须填写理由")
    st = status(conn, month)
    if not st["frozen"]:
        raise SignoffError(f"{month} 未冻结，无需解冻")
    _save(conn, month, {"state": DRAFT, "frozen": False, "content_hash": None, "result_json": None,
                        "rules_version_id": None, "vendor_confirmed_by": None, "vendor_confirmed_at": None,
                        "approved_by": None, "approved_at": None})
    audit.record(conn, username=username, action="signoff_unfreeze", target=f"month:{month}",
                 detail=f"理由：{reason}；原哈希 {st['content_hash']}")
    logs.event("reopen", month=month, user=username, role=role, old_sha256=st["content_hash"])
    return status(conn, month)


# --- content hash -------------------------------------------------------------------------------

def _plain(v):
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return v


def canonical_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)


def _rows(conn: Connection, stmt) -> list[dict]:
    return [{k: _plain(v) for k, v in r.items()} for r in conn.execute(stmt).mappings()]


def month_inputs(conn: Connection, month: str) -> dict:
    """Every input row of the month, sorted, without surrogate ids (the data, not its storage)."""
    start, end = month_bounds(month)
    first, last = start.date(), (end - timedelta(days=1)).date()
    e = ticket_events
    m = manual_items
    return {
        "tickets": _rows(conn, sa.select(tickets).where(tickets.c.received_at >= start, tickets.c.received_at < end)
                         .order_by(tickets.c.ticket_no)),
        "events": _rows(conn, sa.select(e.c.ticket_no, e.c.at, e.c.action, e.c.staff_no, e.c.unit, e.c.detail)
                        .where(e.c.at >= start, e.c.at < end)
                        .order_by(e.c.ticket_no, e.c.at, e.c.action, e.c.staff_no, e.c.unit, e.c.detail)),
        "shifts": _rows(conn, sa.select(shifts).where(shifts.c.day >= first, shifts.c.day <= last)
                        .order_by(shifts.c.staff_no, shifts.c.day, shifts.c.shift)),
        "reports": _rows(conn, sa.select(reports).where(reports.c.due_at >= start, reports.c.due_at < end)
                         .order_by(reports.c.report_no)),
        "manual_items": _rows(conn, sa.select(m.c.month, m.c.item_type, m.c.points, m.c.reason, m.c.entered_by)
                              .where(m.c.month == month)
                              .order_by(m.c.item_type, m.c.points, m.c.reason, m.c.entered_by)),
        "staff": _rows(conn, sa.select(staff).where(
            sa.or_(staff.c.hired_on.is_(None), staff.c.hired_on <= last),
            sa.or_(staff.c.left_on.is_(None), staff.c.left_on >= first)).order_by(staff.c.staff_no)),
    }


def content_hash(conn: Connection, month: str, rules_version_id: int | None, result: dict) -> str:
    body = None
    if rules_version_id is not None:
        body = conn.execute(sa.select(rules_versions.c.body).where(rules_versions.c.id == rules_version_id)) \
            .scalar_one_or_none()
    doc = {"month": month, "inputs": month_inputs(conn, month),
           "rules": {"version_id": rules_version_id, "body": json.loads(body) if body else None},
           "result": result}
    return hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()


def verify_hash(conn: Connection, month: str) -> bool:
    """True when the month's data, rules version and stored result still give the stored hash."""
    st = status(conn, month)
    if not st["content_hash"] or not st["result_json"]:
        raise SignoffError(f"{month} 尚未签认冻结，没有可核对的哈希")
    result = json.loads(st["result_json"])
    return content_hash(conn, month, st["rules_version_id"], result) == st["content_hash"]


# --- writes refused once frozen ---------------------------------------------------------------------

def _points(text) -> Decimal:
    if isinstance(text, float):
        text = repr(text)
    try:
        d = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise SignoffError(f"分值应为数字，收到：{text!r}") from None
    if not d.is_finite() or d < 0:
        raise SignoffError("分值应为不小于 0 的数字（扣分/加分的方向由类型决定）")
    if d > MAX_ITEM_POINTS:
        raise SignoffError("分值不能超过 100")
    if -d.as_tuple().exponent > 2:
        raise SignoffError("分值最多保留两位小数")
    return d


def add_manual_item(conn: Connection, month: str, item_type: str, points, reason: str, username: str,
                    role: str, now: datetime | None = None) -> int:
    """One 扣分/加分/一票否决 for the month (reviewer/admin); refused when the month is frozen."""
    month = _month(month)
    _require(conn, role, "manual_item", username, f"month:{month}")
    ensure_not_frozen(conn, month)
    item_type = (item_type or "").strip()
    if item_type not in ITEM_TYPES:
        raise SignoffError(f"类型应为 {'/'.join(ITEM_TYPES)}，收到：{item_type!r}")
    d = _points(points)
    if item_type in (ITEM_BONUS, ITEM_DEDUCTION) and d == 0:
        raise SignoffError(f"{item_type}的分值应大于 0")
    reason = (reason or "").strip()
    if not reason:
        raise SignoffError("请填写事由")
    if not (username or "").strip():
        raise SignoffError("缺少录入人")
    points_text = f"{d:f}"
    try:
        with conn.begin_nested():
            res = conn.execute(manual_items.insert().values(
                month=month, item_type=item_type, points=points_text, reason=reason, entered_by=username,
                entered_at=_now(now)))
    except IntegrityError:
        raise SignoffError("同一月份已录入完全相同的加扣分项（类型、分值、事由、录入人相同）") from None
    item_id = int(res.inserted_primary_key[0])
    audit.record(conn, username=username, action="manual_item_add", target=f"month:{month}",
                 detail=f"id={item_id} {item_type} {points_text} {reason}")
    return item_id


def delete_manual_item(conn: Connection, item_id: int, username: str, role: str) -> None:
    row = conn.execute(sa.select(manual_items).where(manual_items.c.id == item_id)).mappings().first()
    if row is None:
        raise SignoffError(f"加扣分项 {item_id} 不存在")
    _require(conn, role, "manual_item", username, f"month:{row['month']}")
    ensure_not_frozen(conn, row["month"])
    conn.execute(manual_items.delete().where(manual_items.c.id == item_id))
    audit.record(conn, username=username, action="manual_item_delete", target=f"month:{row['month']}",
                 detail=f"id={item_id} {row['item_type']} {row['points']} {row['reason']}")


def months_governed_by(conn: Connection, effective_from: str) -> set[str]:
    """Frozen months a new rules version effective from `effective_from` would govern."""
    hit = set()
    for month in frozen_months(conn):
        if month >= effective_from:
            current = rules_for_month(conn, month)
            if current.effective_from <= effective_from:
                hit.add(month)
    return hit


def add_rules_version(conn: Connection, rules: Rules, *, effective_from: str, note: str, username: str,
                      role: str) -> int:
    """A new rules version (admin), refused when it would change the rules of a frozen month."""
    effective_from = _month(effective_from)
    _require(conn, role, "rules_admin", username, f"rules:{effective_from}")
    hit = months_governed_by(conn, effective_from)
    if hit:
        raise SignoffError(f"以下月份已签认冻结，不能修改其适用规则：{'、'.join(sorted(hit))}")
    version_id = add_version(conn, rules, effective_from=effective_from, note=note, username=username)
    settled_counts.refill(conn)   # the settled days under the new version's limits and heads
    audit.record(conn, username=username, action="rules_version_add", target=f"rules:{version_id}",
                 detail=f"effective_from={effective_from} {note}")
    return version_id
