"""The example ticketing system (mappings/source-*-schema.sql) as a real source for the feed's tests:
a database per test on MariaDB or PostgreSQL, rows written the way that system writes them, and
what our database must hold afterwards, mapped here by hand (independently of the feed's code)."""
from __future__ import annotations

import os
import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.services.reference import STREET_NAMES
from domain.vocabulary import ACTION_BY_LABEL

ROOT = Path(__file__).resolve().parents[2]
MARIADB_ADMIN_URL = os.environ.get("HOTLINE_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4")
PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")

APPEAL = {1: "咨询", 2: "求助", 3: "投诉", 4: "举报", 5: "建议", 9: "其他"}
URGENCY = {0: "一般", 1: "紧急"}
SLA = {1: "紧急", 2: "及时", 3: "一般", 4: "疑难"}
SATISFACTION = {1: "满意", 2: "基本满意", 3: "不满意"}
FLOW_OPS = {1: "签收", 2: "派单", 12: "联系诉求人", 13: "回复", 8: "催办"}


def _unreachable(url: str) -> str | None:
    try:
        eng = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(sa.text("select 1"))
        eng.dispose()
        return None
    except Exception as e:  # noqa: BLE001 - any failure means "not reachable"
        return str(e).splitlines()[0]


def _schema_statements(path: Path) -> list[str]:
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in text.split(";\n") if s.strip()]


def mariadb_source() -> tuple[str, callable]:
    """(URL of a new MariaDB database holding the example schema, drop function)."""
    problem = _unreachable(MARIADB_ADMIN_URL)
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"MariaDB is required in CI but unreachable: {problem}")
        pytest.skip(f"MariaDB unreachable: {problem}")
    name = f"feedsrc_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(MARIADB_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    url = sa.engine.make_url(MARIADB_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    eng = sa.create_engine(url)
    with eng.begin() as c:
        for stmt in _schema_statements(ROOT / "mappings" / "source-mariadb-schema.sql"):
            c.exec_driver_sql(stmt.replace("%", "%%"))
    eng.dispose()

    def drop():
        with admin.connect() as c:
            c.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()
    return url, drop


def postgresql_source() -> tuple[str, callable]:
    problem = _unreachable(PG_ADMIN_URL)
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    name = f"feedsrc_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    eng = sa.create_engine(url)
    with eng.begin() as c:
        c.exec_driver_sql((ROOT / "mappings" / "source-postgresql-schema.sql").read_text(encoding="utf-8")
                          .replace("%", "%%"))
    eng.dispose()

    def drop():
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url, drop


def source_file(tmp_path: Path, url: str, engine_name: str, **overrides) -> Path:
    """The committed example source file, with its URL (and any top-level or per-kind settings) set."""
    import yaml

    data = yaml.safe_load((ROOT / "mappings" / f"source-{engine_name}-example.yaml").read_text(encoding="utf-8"))
    data["source"] = url
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    path = tmp_path / f"{engine_name}-source.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class OrderSystem:
    """Writes to the example ticketing system as it does itself."""

    def __init__(self, url: str, seed: int = 7):
        self.engine = sa.create_engine(url)
        self.rng = random.Random(seed)
        self.count = 0

    def add_orders(self, n: int, start: datetime, *, updated_at: datetime | None = None, step_seconds: int = 60,
                   prefix: str = "GD") -> list[str]:
        rows = []
        for _ in range(n):
            self.count += 1
            recv = start + timedelta(seconds=step_seconds * self.count)
            r = self.rng
            row = {"order_no": f"{prefix}{self.count:08d}", "call_time": recv - timedelta(minutes=2),
                   "caller_tel": f"139{r.randrange(10**8):08d}", "recv_time": recv,
                   "sqlx": r.choice(list(APPEAL)), "jjcd": r.choice([0, 0, 0, 1]), "sxlx": r.choice(list(SLA)),
                   "fl1": r.choice(["城乡建设", "市场管理", "环境保护"]), "fl2": "二级", "fl3": None,
                   "title": f"诉求{self.count}", "content": f"内容 {self.count}：楼下噪音", "addr": f"通州区某路{self.count}号",
                   "street_name": r.choice(STREET_NAMES), "handle_unit": "区城管委",
                   "kh_flag": r.choice([None, 1, 1, 0]), "deadline": recv + timedelta(days=3),
                   "updated_at": updated_at or recv}
            rows.append(row)
        cols = list(rows[0])
        with self.engine.begin() as c:
            for i in range(0, len(rows), 2000):
                c.execute(sa.text(f"INSERT INTO t_order ({', '.join(cols)}) VALUES ({', '.join(':' + k for k in cols)})"),
                          rows[i:i + 2000])
        return [r["order_no"] for r in rows]

    def update(self, order_no: str, **values) -> None:
        sets = ", ".join(f"{k} = :{k}" for k in values)
        with self.engine.begin() as c:
            c.execute(sa.text(f"UPDATE t_order SET {sets} WHERE order_no = :no"), {**values, "no": order_no})

    def add_flow(self, order_nos: list[str], op_code: int, *, after_minutes: int = 5, user: str | None = "P001",
                 dept: str | None = "区城管委", remark: str | None = None) -> None:
        with self.engine.begin() as c:
            ids = dict(c.execute(sa.text("SELECT order_no, id FROM t_order")).all())
            recv = dict(c.execute(sa.text("SELECT order_no, recv_time FROM t_order")).all())
            rows = [{"oid": ids[no], "t": recv[no] + timedelta(minutes=after_minutes), "op": op_code, "u": user,
                     "d": dept, "r": remark} for no in order_nos]
            for i in range(0, len(rows), 2000):
                c.execute(sa.text("INSERT INTO t_order_flow (order_id, op_time, op_code, op_user, op_dept, remark) "
                                  "VALUES (:oid, :t, :op, :u, :d, :r)"), rows[i:i + 2000])

    # --- what our database must hold ------------------------------------------------------------

    def expected_tickets(self) -> dict[str, dict]:
        with self.engine.connect() as c:
            rows = c.execute(sa.text("SELECT * FROM t_order")).mappings().all()
        out = {}
        for o in rows:
            out[o["order_no"]] = {
                "ticket_no": o["order_no"], "called_at": o["call_time"], "received_at": o["recv_time"],
                "appeal_type": APPEAL.get(o["sqlx"]), "urgency": URGENCY[o["jjcd"]], "sla_class": SLA[o["sxlx"]],
                "category_l1": o["fl1"], "category_l2": o["fl2"], "category_l3": o["fl3"], "title": o["title"],
                "content": o["content"], "address": o["addr"], "street": o["street_name"], "unit": o["handle_unit"],
                "in_assessment": True if o["kh_flag"] is None else bool(o["kh_flag"]),
                "callback_at": o["hf_time"], "callback_valid": bool(o["hf_valid"]),
                "contacted": bool(o["hf_contacted"]), "resolved": bool(o["hf_resolved"]),
                "satisfaction": SATISFACTION.get(o["myd"]), "deadline_at": o["deadline"]}
        return out

    def expected_events(self) -> set[tuple]:
        with self.engine.connect() as c:
            flow = c.execute(sa.text(
                "SELECT o.order_no, f.op_time, p.name, f.op_user, f.op_dept, f.remark FROM t_order_flow f "
                "JOIN t_order o ON o.id = f.order_id JOIN t_flow_op p ON p.code = f.op_code")).all()
            closes = c.execute(sa.text("SELECT order_no, bj_time FROM t_order WHERE bj_time IS NOT NULL")).all()
        out = {(no, at, ACTION_BY_LABEL[name], user or "", dept or "", remark or "") for no, at, name, user, dept, remark in flow}
        out |= {(no, at, "CLOSE", "", "", "") for no, at in closes}
        return out


def our_tickets(engine) -> dict[str, dict]:
    from queries.schema import tickets

    with engine.connect() as c:
        # the columns a source sends; the repeat and caller columns are derived here (see docs/repeats.md)
        derived = {"caller_hash", "caller_last4", "address_key", "repeat_source_no"}
        columns = [col for col in tickets.c if col.name not in derived]
        return {r["ticket_no"]: dict(r) for r in c.execute(sa.select(*columns)).mappings()}


def our_events(engine) -> list[tuple]:
    from queries.schema import ticket_events as e

    with engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.select(e.c.ticket_no, e.c.at, e.c.action, e.c.staff_no, e.c.unit, e.c.detail))]
