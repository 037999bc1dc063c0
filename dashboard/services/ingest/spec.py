"""The six import layouts (docs/imports.md): Chinese header, English key, cell type, allowed values."""
from __future__ import annotations

from dataclasses import dataclass

from domain.vocabulary import (
    CONTRACT_ROLES,
    EDUCATION_LEVELS,
    ITEM_TYPES,
    REPORT_KINDS,
    SATISFACTION,
    SHIFTS_AS_LISTED,
    SLA_CLASSES,
    URGENCIES,
)

# Cell types: text (trimmed), free (citizen text, verbatim), ts, date, bool, int, decimal,
# choice (one of `choices`), action (code or 中文 label), month (YYYY-MM), phone (a caller's
# number: replaced by its keyed hash and last four digits before anything else sees it,
# dashboard.services.ingest.caller).


@dataclass(frozen=True)
class Col:
    header: str
    key: str
    type: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    default: object = None     # used for blank cells (and the column is then always written)


APPEAL_TYPES = ("咨询", "求助", "投诉", "举报", "建议", "其他")
REPORT_TYPES = tuple(REPORT_KINDS.values())

# Tickets' optional timestamps that become events (docs/imports.md, tickets).
TICKET_EVENT_COLUMNS = {"signed_at": "SIGN", "dispatched_at": "DISPATCH",
                        "first_contact_at": "CONTACT", "closed_at": "CLOSE"}

KINDS: dict[str, list[Col]] = {
    "tickets": [
        Col("工单编号", "ticket_no", required=True),
        Col("来电时间", "called_at", "ts"),
        Col("来电号码", "caller_phone", "phone"),
        Col("接收时间", "received_at", "ts", required=True),
        Col("诉求类型", "appeal_type", "choice", choices=APPEAL_TYPES),
        Col("紧急程度", "urgency", "choice", choices=URGENCIES, default="一般"),
        Col("时限类型", "sla_class", "choice", choices=SLA_CLASSES, default="一般"),
        Col("一级分类", "category_l1"),
        Col("二级分类", "category_l2"),
        Col("三级分类", "category_l3"),
        Col("标题", "title", "free"),
        Col("主要内容", "content", "free"),
        Col("诉求地址", "address", "free"),
        Col("被反映街乡镇", "street"),
        Col("承办单位", "unit"),
        Col("是否纳入考核", "in_assessment", "bool", default=True),
        Col("回访时间", "callback_at", "ts"),
        Col("是否有效回访", "callback_valid", "bool", default=False),
        Col("是否联系", "contacted", "bool", default=False),
        Col("是否解决", "resolved", "bool", default=False),
        Col("满意度", "satisfaction", "choice", choices=SATISFACTION),
        Col("截止时间", "deadline_at", "ts"),
        Col("签收时间", "signed_at", "ts"),
        Col("派单时间", "dispatched_at", "ts"),
        Col("首次联系时间", "first_contact_at", "ts"),
        Col("办结时间", "closed_at", "ts"),
    ],
    "events": [
        Col("工单编号", "ticket_no", required=True),
        Col("操作时间", "at", "ts", required=True),
        Col("操作", "action", "action", required=True),
        Col("工号", "staff_no", default=""),
        Col("单位", "unit", default=""),
        Col("说明", "detail", default=""),
    ],
    "staff": [
        Col("工号", "staff_no", required=True),
        Col("姓名", "name", required=True),
        Col("岗位", "role", "choice", required=True, choices=CONTRACT_ROLES),
        Col("班组", "team"),
        Col("学历", "education", "choice", choices=EDUCATION_LEVELS),
        Col("是否全日制", "full_time", "bool"),
        Col("从业年限", "years_experience", "decimal"),
        Col("管理团队规模", "team_size_managed", "int"),
        Col("管理年限", "management_years", "decimal"),
        Col("打字速度", "typing_speed", "int"),
        Col("入职日期", "hired_on", "date"),
        Col("离职日期", "left_on", "date"),
    ],
    "shifts": [
        Col("工号", "staff_no", required=True),
        Col("日期", "day", "date", required=True),
        Col("班次", "shift", "choice", required=True, choices=SHIFTS_AS_LISTED),
        Col("是否到岗", "present", "bool", required=True),
    ],
    "reports": [
        Col("报表编号", "report_no", required=True),
        Col("报表类型", "report_type", "choice", required=True, choices=REPORT_TYPES),
        Col("应报时间", "due_at", "ts", required=True),
        Col("实报时间", "delivered_at", "ts"),
        Col("工号", "staff_no"),
        Col("是否有误", "has_error", "bool", default=False),
    ],
    "manual": [
        Col("月份", "month", "month", required=True),
        Col("类型", "item_type", "choice", required=True, choices=ITEM_TYPES),
        Col("分值", "points", "decimal", required=True),
        Col("事由", "reason", "free", required=True),
        Col("录入人", "entered_by"),
    ],
}

KIND_LABELS = {"tickets": "工单", "events": "流转记录", "staff": "人员", "shifts": "排班考勤",
               "reports": "报表报送", "manual": "考核加扣分"}

# Upsert keys (events and manual items are de-duplicated on all their fields instead).
KEYS = {"tickets": ["ticket_no"], "staff": ["staff_no"], "shifts": ["staff_no", "day", "shift"],
        "reports": ["report_no"]}


def lookup(kind: str) -> dict[str, Col]:
    """Header (Chinese, or English key in any case) → column."""
    out: dict[str, Col] = {}
    for c in KINDS[kind]:
        out[c.header] = c
        out[c.key.lower()] = c
    return out
