"""The words of the contract and of the 12345 exports, each defined once: 岗位, ticket actions,
REOPEN reasons, stages, clocks, urgency and SLA classes, callback answers, shifts, statistics
periods, the 三率 period option, assessment indicators, manual items, report kinds. Pure data;
every module that names one of these imports it from here.

Figures (limits, head counts, targets) are not vocabulary: they belong to a rules version
(domain.rules).
"""
from __future__ import annotations

# --- 岗位: the seven contract roles ---------------------------------------------------------------

PROJECT_MANAGER = "项目经理"
SUPERVISOR = "业务主管"
DISPATCHER = "派单专员"
RETURNER = "退单专员"
QC = "质检专员"
VERIFIER = "协查专员"
ANALYST = "数据分析专员"

# in the order the contract lists them (tables and workbooks sort by it)
CONTRACT_ROLES = (PROJECT_MANAGER, SUPERVISOR, DISPATCHER, RETURNER, QC, VERIFIER, ANALYST)
# the specialists who work three shifts around the clock (typing speed and bachelor share apply)
SPECIALIST_ROLES = (DISPATCHER, RETURNER, QC, VERIFIER)
# the roles whose work is measured per person from events (the specialists) and reports (analysts)
STAFF_ROLES = (*SPECIALIST_ROLES, ANALYST)
# the working group of each measured role, as the stand-up names it
GROUP_OF_ROLE = {DISPATCHER: "派单", RETURNER: "退单", QC: "质检", VERIFIER: "协查", ANALYST: "数据分析"}

EDUCATION_LEVELS = ("大专", "本科", "硕士", "博士")   # lowest first

# --- ticket actions -----------------------------------------------------------------------------

ACTIONS = {   # code → the Chinese label of the 12345 exports (importers accept either)
    "SIGN": "签收",
    "DISPATCH": "派单",
    "UNIT_RETURN": "区内退单",
    "REDISPATCH": "改派",
    "RETURN_REQUEST": "申请退单",
    "RETURN_APPROVED": "退单通过",
    "RETURN_REJECTED": "退单驳回",
    "URGE": "催办",
    "EXTEND_REQUEST": "申请延期",
    "EXTEND_APPROVED": "延期通过",
    "CONTACT": "联系诉求人",
    "REPLY": "回复",
    "QC_PASS": "质检通过",
    "QC_REJECT": "质检退回",
    "CLOSE": "办结",
    "REOPEN": "重办",
    "VERIFY_ASSIGN": "协查派发",
    "VERIFY_DONE": "协查完成",
}
ACTION_BY_LABEL = {label: code for code, label in ACTIONS.items()}

# REOPEN details: the city's QC sent the closure back (a QC escape), in code or as exported
CITY_QC_REASONS = ("city_qc", "市级审核退回")
# REOPEN detail when the callback found the citizen unsatisfied or the matter unsolved
CALLBACK_REASON = "callback"

# VERIFY_DONE outcomes
VERIFIED_TRUE, VERIFIED_NOT_TRUE, VERIFIED_UNKNOWN = "属实", "不属实", "无法核实"

# --- stages of a ticket at the district -----------------------------------------------------------

STAGE_UNSIGNED = "待签收"
STAGE_RETURN_REVIEW = "退单审核中"
STAGE_UNDISPATCHED = "待派单"
STAGE_HANDLING = "办理中"
STAGE_AWAITING_QC = "待质检"
STAGE_TO_CLOSE = "待办结"
OPEN_STAGES = (STAGE_UNSIGNED, STAGE_RETURN_REVIEW, STAGE_UNDISPATCHED, STAGE_HANDLING, STAGE_AWAITING_QC,
               STAGE_TO_CLOSE)
STAGE_CLOSED = "已办结"
STAGE_RETURNED = "已退回"
ALL_STAGES = OPEN_STAGES + (STAGE_CLOSED, STAGE_RETURNED)

# --- SLA clocks -----------------------------------------------------------------------------------

CLOCKS = {   # clock → label, in the order a ticket meets them
    "sign": "签收",
    "dispatch": "派单",
    "return_request": "退单申请",
    "response": "响应（首次联系）",
    "close": "办结",
    "qc": "质检",
    "verify": "协查",
}
# clocks that start at an event (REPLY, VERIFY_ASSIGN) rather than at the ticket's receipt
EVENT_CLOCKS = ("qc", "verify")
TICKET_CLOCKS = tuple(c for c in CLOCKS if c not in EVENT_CLOCKS)
# Two figures about closing, each under its own name (docs/figures.md: no two figures a reader
# would take for one thing computed two ways):
# - the reports' 办结按时率 counts the period's closings: (办结量 − 其中超期办结) / 办结量;
CLOSE_ON_TIME = "办结按时率"
# - the close clock of the tickets received in the period (or the chosen range) counts the clocks
#   that started there: 时效分析 and the reports' 时效 sheet name it so.
CLOSE_CLOCK_OF_INTAKE = "办结时限（本期接收）"
# the name of each clock where its on-time share is shown beside the reports' 办结按时率
CLOCK_SHARE_NAMES = {**CLOCKS, "close": CLOSE_CLOCK_OF_INTAKE}

# --- urgency and SLA classes of a ticket ------------------------------------------------------------

URGENT = "紧急"
URGENCIES = ("一般", URGENT)
SLA_CLASSES = ("紧急", "及时", "一般", "疑难")
DEFAULT_SLA_CLASS = "一般"   # a ticket without a class, and the close limit of an unknown one

# --- callbacks (三率) -------------------------------------------------------------------------------

SATISFIED, BASIC_SATISFIED, UNSATISFIED = "满意", "基本满意", "不满意"
SATISFACTION = (SATISFIED, BASIC_SATISFIED, UNSATISFIED)

# --- shifts: 早班 08–16 / 中班 16–24 / 夜班 00–08 -----------------------------------------------------

SHIFT_HOURS = 8
SHIFT_START_HOUR = {"早班": 8, "中班": 16, "夜班": 0}
# the order the contract and the import layout list them (tables sort by it)
SHIFTS_AS_LISTED = tuple(SHIFT_START_HOUR)
# the order they run through a calendar day: SHIFTS[hour // SHIFT_HOURS] is on duty at that hour
SHIFTS = tuple(sorted(SHIFT_START_HOUR, key=SHIFT_START_HOUR.__getitem__))

# --- statistics periods of the staff measures ---------------------------------------------------------

PERIOD_KINDS = {"shift": "班次", "day": "日", "week": "周", "month": "月"}

# --- the 三率 period option of a rules version ----------------------------------------------------

PERIOD_19TH = "19th"           # from the 19th of the previous month to the 18th (the city's period)
PERIOD_CALENDAR = "calendar"   # calendar months

# --- indicators of the monthly assessment, in contract order --------------------------------------

INDICATOR_LABELS = {
    "sign_on_time_rate": "签收及时率",
    "dispatch_on_time_rate": "派单及时率",
    "dispatch_accuracy": "派单准确率",
    "return_on_time_rate": "退单及时率",
    "return_accuracy": "退单准确率",
    "qc_coverage": "质检覆盖率",
    "qc_on_time_rate": "质检及时率",
    "qc_escape_rate": "质检差错率",
    "verify_on_time_rate": "协查按时完成率",
    "report_on_time_rate": "报表按时报送率",
    "attendance_rate": "人员到岗率",
    "staffing_compliance": "人员配置达标率",
}

# --- manual assessment items ------------------------------------------------------------------------

ITEM_DEDUCTION = "扣分"
ITEM_BONUS = "加分"
ITEM_VETO = "一票否决"
ITEM_TYPES = (ITEM_DEDUCTION, ITEM_BONUS, ITEM_VETO)

# --- reports the vendor delivers ------------------------------------------------------------------

REPORT_KINDS = {"daily": "日报", "weekly": "周报", "monthly": "月报", "topic": "专报"}

# a month with no ticket received and no event: a gap in the data, it has no score
NO_DATA = "无数据"
NO_DATA_MEANING = "当月没有任何受理工单、流转、排班、报表或加扣分记录"

# --- hot topics (热点诉求) ------------------------------------------------------------------------------

# a ticket's topic is its 二级分类, else its 一级分类; with neither it is this
UNCATEGORISED = "（未分类）"
# a ticket without 被反映街乡镇 in a topic's breakdown
NO_STREET = "（未填）"
# the week or month still running, wherever a period is labelled
IN_PROGRESS = "进行中"
SURGE = "突增"
# --- ledgers and quality reports (docs/ledgers.md) ---------------------------------------------------

# a QC_REJECT whose 说明 is blank: its defect type
UNSPECIFIED_DEFECT = "未注明"
QC_RESULTS = {"QC_PASS": "通过", "QC_REJECT": "退回"}
# the working groups of a shift handover → the 岗位 whose events are that group's work
HANDOVER_GROUPS = {"派单": DISPATCHER, "退单": RETURNER, "质检": QC, "协查": VERIFIER, "数据": ANALYST}
# the QC report kinds → the statistics period they cover (domain.staffing.period_bounds)
QC_REPORT_PERIODS = {"qc-daily": "day", "qc-weekly": "week", "qc-monthly": "month"}
QC_REPORT_TITLES = {"qc-daily": "质检日报", "qc-weekly": "质检周报", "qc-monthly": "质检月报",
                    "qc-ledger": "质检台账", "special-ledger": "疑难、未解决、特殊工单台账", "handover": "工作日志与交接班"}
# improvement measures (改进措施): statuses, and what a measure targets
MEASURE_STATUSES = ("计划中", "实施中", "已完成", "已取消")
MEASURE_OPEN_STATUSES = ("计划中", "实施中")
MEASURE_TARGET_DEFECT = "defect"
MEASURE_TARGET_INDICATOR = "indicator"
# why a ticket is on the 疑难、未解决、特殊 ledger
SPECIAL_HARD = "疑难未办结"
SPECIAL_UNRESOLVED = "回访未解决"
SPECIAL_FLAGGED = "主管标记"
HARD_SLA_CLASS = "疑难"
