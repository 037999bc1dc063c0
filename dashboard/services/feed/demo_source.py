"""A simulated operations system for demos and tests (`python -m dashboard demo-source`): the example
ticketing schema of mappings/source-*-schema.sql on any engine (SQLite by default), and a writer
that keeps receiving tickets, adding their steps to the flow table and closing them in place, a
few a minute, so that `feed` pulling from it moves the wall."""
from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
import yaml

from dashboard.services.reference import STREET_NAMES

MAPPINGS_DIR = Path(__file__).resolve().parents[3] / "mappings"
EXAMPLE_SOURCE_FILE = MAPPINGS_DIR / "source-mariadb-example.yaml"

meta = sa.MetaData()
status_codes = sa.Table("t_status_code", meta, sa.Column("code", sa.SmallInteger, primary_key=True, autoincrement=False),
                        sa.Column("name", sa.String(20), nullable=False))
flow_ops = sa.Table("t_flow_op", meta, sa.Column("code", sa.SmallInteger, primary_key=True, autoincrement=False),
                    sa.Column("name", sa.String(20), nullable=False))
orders = sa.Table(
    "t_order", meta,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("order_no", sa.String(32), nullable=False, unique=True),
    sa.Column("call_time", sa.DateTime), sa.Column("caller_tel", sa.String(20)),
    sa.Column("recv_time", sa.DateTime, nullable=False),
    sa.Column("sqlx", sa.SmallInteger), sa.Column("jjcd", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("sxlx", sa.SmallInteger, nullable=False, server_default="3"),
    sa.Column("fl1", sa.String(64)), sa.Column("fl2", sa.String(64)), sa.Column("fl3", sa.String(64)),
    sa.Column("title", sa.String(200)), sa.Column("content", sa.Text), sa.Column("addr", sa.String(200)),
    sa.Column("street_name", sa.String(100)), sa.Column("handle_unit", sa.String(100)),
    sa.Column("kh_flag", sa.SmallInteger), sa.Column("status_code", sa.SmallInteger, nullable=False, server_default="1"),
    sa.Column("deadline", sa.DateTime), sa.Column("bj_time", sa.DateTime), sa.Column("hf_time", sa.DateTime),
    sa.Column("hf_valid", sa.SmallInteger), sa.Column("hf_contacted", sa.SmallInteger),
    sa.Column("hf_resolved", sa.SmallInteger), sa.Column("myd", sa.SmallInteger),
    sa.Column("created_at", sa.DateTime, nullable=False), sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
flow = sa.Table(
    "t_order_flow", meta,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("order_id", sa.BigInteger, sa.ForeignKey("t_order.id"), nullable=False),
    sa.Column("op_time", sa.DateTime, nullable=False), sa.Column("op_code", sa.SmallInteger, nullable=False),
    sa.Column("op_user", sa.String(32)), sa.Column("op_dept", sa.String(100)), sa.Column("remark", sa.String(500)),
)

STATUS = {1: "待签收", 2: "办理中", 3: "已办结", 4: "已退回"}
OPS = {1: "签收", 2: "派单", 3: "区内退单", 4: "改派", 5: "申请退单", 6: "退单通过", 7: "退单驳回", 8: "催办",
       10: "申请延期", 11: "延期通过", 12: "联系诉求人", 13: "回复", 14: "质检通过", 15: "质检退回", 16: "重办",
       17: "协查派发", 18: "协查完成"}
STEPS = [1, 2, 12, 13]          # 签收 → 派单 → 联系诉求人 → 回复, then closed in place (bj_time)
CATEGORIES = [("城乡建设", "房屋管理"), ("市场管理", "消费纠纷"), ("环境保护", "噪声污染"), ("交通管理", "停车管理"),
              ("公共服务", "供暖")]
UNITS = ["区城管委", "区住建委", "区市场监管局", "区生态环境局", "区交通局"]
STAFF = [f"P{n:03d}" for n in range(1, 21)]


def create(url: str) -> None:
    """The example schema (and its code tables) in the source database, unless it is there."""
    engine = sa.create_engine(url)
    try:
        meta.create_all(engine)
        with engine.begin() as conn:
            if conn.execute(sa.select(sa.func.count()).select_from(status_codes)).scalar_one() == 0:
                conn.execute(status_codes.insert(), [{"code": c, "name": n} for c, n in STATUS.items()])
                conn.execute(flow_ops.insert(), [{"code": c, "name": n} for c, n in OPS.items()])
    finally:
        engine.dispose()


def source_file(path: Path, url: str, **settings) -> Path:
    """The example source file pointed at `url` (for `feed`), written to `path`."""
    data = yaml.safe_load(EXAMPLE_SOURCE_FILE.read_text(encoding="utf-8"))
    data["source"] = url
    data.update(settings)
    path.write_text("# 演示数据源（python -m dashboard demo-source 生成）\n"
                    + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def add(url: str, *, tickets: int, now: datetime, seed: int | None = None, steps: int | None = None) -> dict:
    """One tick of the simulated centre at `now`: `tickets` new tickets, the next step of up to
    `steps` open ones (default 2 × tickets), and a close in place of those that were replied to.
    Returns what it did."""
    rng = random.Random(seed)
    now = now.replace(microsecond=0)
    engine = sa.create_engine(url)
    done = {"received": 0, "steps": 0, "closed": 0}
    try:
        with engine.begin() as conn:
            last = conn.execute(sa.select(sa.func.max(orders.c.id))).scalar() or 0
            for i in range(tickets):
                recv = now - timedelta(seconds=rng.randrange(0, 50))
                l1, l2 = rng.choice(CATEGORIES)
                conn.execute(orders.insert().values(
                    order_no=f"TZ{now:%Y%m%d}{last + i + 1:06d}", call_time=recv - timedelta(minutes=rng.randrange(1, 5)),
                    caller_tel=f"1{rng.randrange(3, 10)}{rng.randrange(10**9):09d}", recv_time=recv,
                    sqlx=rng.choice([1, 1, 2, 3, 3, 3, 5, 9]), jjcd=rng.choice([0] * 9 + [1]), sxlx=rng.choice([2, 3, 3, 3, 4]),
                    fl1=l1, fl2=l2, title=f"{l2}问题", content=f"市民反映{l2}相关问题，请尽快处理。",
                    addr=f"通州区{rng.choice(STREET_NAMES)}{rng.randrange(1, 300)}号", street_name=rng.choice(STREET_NAMES),
                    handle_unit=rng.choice(UNITS), kh_flag=1, status_code=1, deadline=recv + timedelta(days=3),
                    created_at=now, updated_at=now))
                done["received"] += 1
            open_orders = conn.execute(
                sa.select(orders.c.id, sa.func.count(flow.c.id), sa.func.max(flow.c.op_time))
                .select_from(orders.outerjoin(flow, flow.c.order_id == orders.c.id))
                .where(orders.c.bj_time.is_(None), orders.c.recv_time < now)
                .group_by(orders.c.id).order_by(orders.c.id).limit(500)).all()
            rng.shuffle(open_orders)
            for order_id, taken, _last_at in open_orders[:steps if steps is not None else 2 * max(tickets, 1)]:
                if taken < len(STEPS):
                    conn.execute(flow.insert().values(order_id=order_id, op_time=now, op_code=STEPS[taken],
                                                      op_user=rng.choice(STAFF), op_dept=rng.choice(UNITS),
                                                      remark="" if taken else "已签收"))
                    done["steps"] += 1
                else:
                    satisfied = rng.choice([1, 1, 1, 2, 3])
                    conn.execute(orders.update().where(orders.c.id == order_id).values(
                        status_code=3, bj_time=now, hf_time=now, hf_valid=1, hf_contacted=1,
                        hf_resolved=int(satisfied != 3), myd=satisfied, updated_at=now))
                    done["closed"] += 1
    finally:
        engine.dispose()
    return done


def run(url: str, *, per_minute: int, seconds_between: float = 60.0, ticks: int | None = None,
        sleep=time.sleep, say=print) -> None:
    """Keep the simulated centre working: every `seconds_between`, `per_minute` new tickets and
    the next steps of open ones."""
    n = 0
    while ticks is None or n < ticks:
        done = add(url, tickets=per_minute, now=datetime.now())
        say(f"{datetime.now():%H:%M:%S} 演示数据源：新工单 {done['received']}，流转 {done['steps']}，办结 {done['closed']}")
        n += 1
        if ticks is None or n < ticks:
            sleep(seconds_between)
