"""Two tickets whose citizen text looks like HTML and Markdown, imported through the pipeline as a
clerk's CSV files would bring them (the tickets page and the ticket detail query)."""
from dashboard.services.ingest import run_import

XSS_TITLE = "<img src=x onerror=alert(1)>"
MD_CONTENT = "**bold** [点我](javascript:alert(1)) <script>alert(2)</script>"
TICKETS_CSV = (
    "工单编号,接收时间,紧急程度,时限类型,一级分类,标题,主要内容,诉求地址,被反映街乡镇,承办单位,截止时间\n"
    f"X1,2026-01-15 08:00:00,一般,一般,住房,{XSS_TITLE},\"{MD_CONTENT}\",# 标题样式地址,新华街道,新华街道,\n"
    "X2,2026-01-14 08:00:00,紧急,紧急,城市管理,普通标题,普通内容,某路1号,宋庄镇,宋庄镇,\n"
).encode()
EVENTS_CSV = (
    "工单编号,操作时间,操作,工号,单位,说明\n"
    "X1,2026-01-15 08:30:00,签收,P001,,\n"
    "X1,2026-01-15 09:00:00,派单,P001,新华街道,**加粗说明** <b>x</b>\n"
    "X2,2026-01-14 08:10:00,SIGN,P002,,\n"
    "X2,2026-01-14 08:20:00,DISPATCH,P002,宋庄镇,\n"
).encode()


def load(engine) -> None:
    for kind, name, data in (("tickets", "t.csv", TICKETS_CSV), ("events", "e.csv", EVENTS_CSV)):
        res = run_import(engine, kind, name, data, username="test")
        assert res.status == "ok", res.message
