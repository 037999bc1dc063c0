"""Sign-off and freeze of a month: roles re-checked server-side, frozen months refuse
changes (application and, on PostgreSQL, a trigger), the content hash proves the month."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from dashboard.services.assessment import signoff
from dashboard.services.assessment.engine import month_result
from domain.rules import Rules
from queries.schema import audit_log, month_signoffs, tickets
from tests.support.assessment_fixture import ZERO_REQUIRED, load

NOW = datetime(2026, 1, 3, 9, 0, 0)


def month_data(engine):
    tks = [(f"K{i:02d}", "2025-12-01 08:00:00") for i in range(10)] + [("J1", "2026-01-02 08:00:00")]
    evs = [(t[0], "2025-12-01 08:10:00", "SIGN") for t in tks[:10]] + \
          [(t[0], "2025-12-01 08:20:00", "DISPATCH") for t in tks[:10]] + [("K00", "2025-12-02 08:00:00", "REDISPATCH")]
    load(engine, tickets_=tks, events=evs, manual=[("扣分", "2.51", "有效投诉")], required=ZERO_REQUIRED)


def sign_off(engine):
    with engine.begin() as conn:
        signoff.vendor_confirm(conn, "2025-12", "pm", "manager", now=NOW)
        return signoff.approve(conn, "2025-12", "rev", "reviewer", now=NOW)


def test_full_signoff_freezes(engine):
    month_data(engine)
    st = sign_off(engine)
    assert st["state"] == signoff.FROZEN and st["frozen"] and len(st["content_hash"]) == 64
    with engine.connect() as conn:
        assert signoff.verify_hash(conn, "2025-12") is True
        r = month_result(conn, "2025-12", datetime(2026, 2, 1))
        assert r.frozen and str(r.score) == "89.99" and str(r.amount) == "711528.84"
        actions = [a for (a,) in conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.id))]
    assert actions[-3:] == ["signoff_vendor_confirm", "signoff_approve", "signoff_freeze"]

    # after approval: manual items for the month are refused, other months are not
    with engine.begin() as conn, pytest.raises(signoff.SignoffError, match="已签认冻结"):
        signoff.add_manual_item(conn, "2025-12", "扣分", "2", "有效投诉", "rev", "reviewer")
    with engine.begin() as conn:
        assert signoff.add_manual_item(conn, "2026-01", "扣分", "2", "有效投诉", "rev", "reviewer") > 0
    # a rules version that would govern the frozen month is refused; one after it is fine
    with engine.begin() as conn, pytest.raises(signoff.SignoffError, match="2025-12"):
        signoff.add_rules_version(conn, Rules.default(), effective_from="2025-12", note="x", username="a",
                                  role="admin")
    with engine.begin() as conn:
        assert signoff.add_rules_version(conn, Rules.default(), effective_from="2026-01", note="x", username="a",
                                         role="admin") > 0

    # a direct UPDATE of a December ticket: PostgreSQL refuses it; elsewhere the hash exposes it
    stmt = tickets.update().where(tickets.c.ticket_no == "K01").values(title="改过")
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="已签认冻结"):
            with engine.begin() as conn:
                conn.execute(stmt)
        with engine.begin() as conn:  # January is not frozen
            conn.execute(tickets.update().where(tickets.c.ticket_no == "J1").values(title="一月"))
        with engine.connect() as conn:
            assert signoff.verify_hash(conn, "2025-12") is True
    else:
        with engine.begin() as conn:
            conn.execute(stmt)
        with engine.connect() as conn:
            assert signoff.verify_hash(conn, "2025-12") is False


@pytest.mark.parametrize("role", ["reviewer", "manager", "supervisor", "leader", "analyst"])
def test_only_admin_unfreezes(engine, role):
    month_data(engine)
    sign_off(engine)
    with engine.begin() as conn, pytest.raises(signoff.AccessDenied, match="无权"):
        signoff.unfreeze(conn, "2025-12", "u", role, "更正数据")
    with engine.connect() as conn:
        assert signoff.is_frozen(conn, "2025-12")


def test_admin_unfreeze_needs_reason_then_allows_changes(engine):
    month_data(engine)
    sign_off(engine)
    with engine.begin() as conn, pytest.raises(signoff.SignoffError, match="理由"):
        signoff.unfreeze(conn, "2025-12", "root", "admin", "  ")
    with engine.begin() as conn:
        st = signoff.unfreeze(conn, "2025-12", "root", "admin", "考核人员发现漏录扣分")
        assert st["state"] == signoff.DRAFT and not st["frozen"]
        signoff.add_manual_item(conn, "2025-12", "加分", "1", "补录", "root", "admin")
        conn.execute(tickets.update().where(tickets.c.ticket_no == "K01").values(title="更正"))
        detail = conn.execute(sa.select(audit_log.c.detail).where(audit_log.c.action == "signoff_unfreeze")) \
            .scalar_one()
        assert "漏录扣分" in detail
    with engine.connect() as conn:
        r = month_result(conn, "2025-12", NOW)
    assert not r.frozen and str(r.score) == "90.99"


@pytest.mark.parametrize("step, role", [
    ("vendor", "reviewer"), ("vendor", "supervisor"), ("vendor", "display"), ("vendor", None),
    ("reviewer", "manager"), ("reviewer", "leader"), ("reviewer", "analyst"),
])
def test_signoff_roles_rechecked(sqlite_engine, step, role):
    month_data(sqlite_engine)
    with sqlite_engine.begin() as conn:
        if step == "reviewer":
            signoff.vendor_confirm(conn, "2025-12", "pm", "manager")
        with pytest.raises(signoff.AccessDenied):
            if step == "vendor":
                signoff.vendor_confirm(conn, "2025-12", "x", role)
            else:
                signoff.approve(conn, "2025-12", "x", role)


def test_order_of_steps(sqlite_engine):
    # one ticket received in the month: a month without any data cannot be signed off at all
    load(sqlite_engine, tickets_=[("K1", "2025-12-01 08:00:00")])
    with sqlite_engine.begin() as conn:
        with pytest.raises(signoff.SignoffError, match="乙方确认"):
            signoff.approve(conn, "2025-12", "rev", "reviewer")
        signoff.vendor_confirm(conn, "2025-12", "pm", "manager")
        with pytest.raises(signoff.SignoffError, match="重复"):
            signoff.vendor_confirm(conn, "2025-12", "pm", "manager")
        with pytest.raises(signoff.SignoffError, match="尚未"):
            signoff.verify_hash(conn, "2025-12")
        assert conn.execute(sa.select(month_signoffs.c.state)).scalar_one() == signoff.VENDOR_CONFIRMED


@pytest.mark.parametrize("args, message", [
    (("2025-12", "罚款", "2", "x"), "类型"), (("2025-12", "扣分", "-1", "x"), "不小于 0"),
    (("2025-12", "扣分", "abc", "x"), "数字"), (("2025-12", "扣分", "2", " "), "事由"),
    (("2025-12", "扣分", "0", "x"), "大于 0"), (("2025-12", "扣分", "1.234", "x"), "两位小数"),
    (("12/2025", "扣分", "2", "x"), "YYYY-MM"),
])
def test_manual_item_validation(sqlite_engine, args, message):
    with sqlite_engine.begin() as conn, pytest.raises(signoff.SignoffError, match=message):
        signoff.add_manual_item(conn, *args, "rev", "reviewer")


def test_manual_item_role_and_duplicate(sqlite_engine):
    with sqlite_engine.begin() as conn:
        with pytest.raises(signoff.AccessDenied):
            signoff.add_manual_item(conn, "2025-12", "扣分", "2", "有效投诉", "pm", "manager")
        signoff.add_manual_item(conn, "2025-12", "扣分", "2", "有效投诉", "rev", "reviewer")
        with pytest.raises(signoff.SignoffError, match="相同"):
            signoff.add_manual_item(conn, "2025-12", "扣分", "2", "有效投诉", "rev", "reviewer")
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_log)
                            .where(audit_log.c.action == "manual_item_add")).scalar_one() == 1
