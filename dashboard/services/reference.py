"""Reference data of Tongzhou district: the 22 街乡镇, district departments, public-service
companies and the category tree. Seeded by `init-db`."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.rules import Rules
from queries.schema import categories, equipment, units
from queries.sql import insert_ignore

STREETS = [  # (code, name), verified 2022 list: 11 街道 + 10 镇 + 1 乡
    ("110112001", "中仓街道"), ("110112002", "新华街道"), ("110112003", "北苑街道"),
    ("110112004", "玉桥街道"), ("110112007", "潞源街道"), ("110112008", "通运街道"),
    ("110112009", "文景街道"), ("110112010", "九棵树街道"), ("110112011", "临河里街道"),
    ("110112012", "杨庄街道"), ("110112013", "潞邑街道"), ("110112104", "宋庄镇"),
    ("110112105", "张家湾镇"), ("110112106", "漷县镇"), ("110112109", "马驹桥镇"),
    ("110112110", "西集镇"), ("110112114", "台湖镇"), ("110112117", "永乐店镇"),
    ("110112119", "潞城镇"), ("110112120", "永顺镇"), ("110112121", "梨园镇"),
    ("110112209", "于家务回族乡"),
]
STREET_NAMES = [name for _, name in STREETS]
STREET_ALIASES = {"于家务乡": "于家务回族乡"}

DEPARTMENTS = [
    "区城市管理委员会", "区城市管理综合行政执法局", "区住房和城乡建设委员会", "区交通局",
    "区市场监督管理局", "区卫生健康委员会", "区教育委员会", "区人力资源和社会保障局",
    "区生态环境局", "区水务局", "区园林绿化局", "区民政局", "区农业农村局", "区应急管理局",
    "区医疗保障局", "区文化和旅游局", "区商务局", "区司法局", "北京市公安局通州分局",
    "北京市规划和自然资源委员会通州分局", "国家税务总局北京市通州区税务局", "区消防救援支队",
]
COMPANIES = [
    "国网北京通州供电公司", "通州区自来水公司", "北京燃气集团通州分公司", "北京热力通州分公司",
    "通州区供热公司", "北京公交集团通州客运分公司", "中国移动通州分公司", "中国联通通州分公司",
]

# (l1, l2, l3, department that usually handles it or None for the street, share of volume)
CATEGORY_TREE = [
    ("城乡建设", "供暖", "室温不达标", "通州区供热公司", 0.0),
    ("城乡建设", "供暖", "暖气不热", "北京热力通州分公司", 0.0),
    ("住房", "物业管理", "物业服务", None, 0.10),
    ("住房", "物业管理", "电梯故障", None, 0.03),
    ("住房", "物业管理", "小区停车", None, 0.03),
    ("生态环境", "噪声", "施工噪声", "区生态环境局", 0.05),
    ("生态环境", "噪声", "生活噪声", None, 0.04),
    ("交通管理", "停车", "违章停车", "北京市公安局通州分局", 0.06),
    ("交通管理", "交通设施", "信号灯故障", "区交通局", 0.02),
    ("劳动和社会保障", "拖欠工资", "工程建设领域", "区人力资源和社会保障局", 0.04),
    ("劳动和社会保障", "社保", "社保缴纳", "区人力资源和社会保障局", 0.02),
    ("城市管理", "市容环境", "占道经营", "区城市管理综合行政执法局", 0.06),
    ("城市管理", "市容环境", "垃圾清运", None, 0.05),
    ("城市管理", "违法建设", "私搭乱建", None, 0.04),
    ("市场管理", "单用途预付卡", "健身卡", "区市场监督管理局", 0.04),
    ("市场管理", "消费纠纷", "商品质量", "区市场监督管理局", 0.05),
    ("教育", "校外培训", "预收费纠纷", "区教育委员会", 0.02),
    ("医疗卫生", "医疗服务", "就医秩序", "区卫生健康委员会", 0.03),
    ("水务", "供排水", "停水与水质", "通州区自来水公司", 0.04),
    ("公用事业", "供电", "停电", "国网北京通州供电公司", 0.03),
    ("公用事业", "燃气", "燃气安全", "北京燃气集团通州分公司", 0.02),
    ("公共安全", "消防安全", "通道占用", "区消防救援支队", 0.02),
    ("公共服务", "公交", "公交线路", "北京公交集团通州客运分公司", 0.03),
    ("园林绿化", "绿化养护", "树木修剪", "区园林绿化局", 0.03),
    ("民政", "养老服务", "养老补贴", "区民政局", 0.02),
    ("咨询类", "政策咨询", "户籍社保政策", None, 0.08),
    ("城乡建设", "施工管理", "夜间施工", "区住房和城乡建设委员会", 0.04),
]


def seed(conn: Connection) -> None:
    """Insert the reference rows that are missing; existing rows are left as they are."""
    rows = [{"code": code, "name": name, "kind": "street"} for code, name in STREETS]
    rows += [{"code": f"D{i + 1:03d}", "name": name, "kind": "department"} for i, name in enumerate(DEPARTMENTS)]
    rows += [{"code": f"C{i + 1:03d}", "name": name, "kind": "company"} for i, name in enumerate(COMPANIES)]
    insert_ignore(conn, units, rows)
    insert_ignore(conn, categories, [{"l1": a, "l2": b, "l3": c} for a, b, c, _, _ in CATEGORY_TREE])


def seed_equipment(conn: Connection, since=None) -> None:
    """Leased devices in use, exactly as many as the default rules require."""
    required = Rules.default().equipment_required
    rows = [{"asset_no": f"PC-{i:03d}", "kind": "电脑", "model": "联想 启天 M450", "location": f"坐席区 {i:02d}",
             "leased": True, "status": "在用", "since": since} for i in range(1, required["电脑"] + 1)]
    rows += [{"asset_no": f"MFP-{i:02d}", "kind": "多功能一体机", "model": "惠普 LaserJet MFP", "location": "打印区",
              "leased": True, "status": "在用", "since": since} for i in range(1, required["多功能一体机"] + 1)]
    insert_ignore(conn, equipment, rows)


def unit_kinds(conn: Connection) -> dict[str, str]:
    return {r.name: r.kind for r in conn.execute(sa.select(units.c.name, units.c.kind))}
