"""系统管理: users, rules versions, audit log (admin only)."""
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard.services.users import UserError
from dashboard.web import ui
from dashboard.web.admin_actions import (
    AdminError,
    add_rules_version,
    add_user,
    change_role,
    import_calendar,
    link_identity,
    reset_password,
    reset_second_factor,
    set_active,
)
from dashboard.web.auth import code_input, require_action, require_role
from dashboard.web.reads import admin as data
from dashboard.web.reads import calendar as calendar_reads
from dashboard.web.reads import feeds as feed_reads
from dashboard.web.reads import now_minute
from domain.access import ROLES
from domain.rules import FEED_LATE_FACTOR, feed_is_late

user = require_role("admin")
require_action(user, "user_admin", "系统管理")
now = now_minute()
ui.page_header("系统管理", "账号与角色、考核规则版本、工作日历、审计日志、数据接入")

ROLE_OPTIONS = list(ROLES)


def role_label(r: str) -> str:
    return f"{ROLES.get(r, r)}（{r}）"


def run_action(fn, *args, success: str) -> None:
    try:
        fn(user.username, user.role, *args)
    except (AdminError, UserError, ValueError) as e:
        st.error(ui.md_escape(str(e)))
    else:
        st.success(success)


tab_users, tab_rules, tab_calendar, tab_audit, tab_feeds = st.tabs(["账号与角色", "规则版本", "工作日历", "审计日志",
                                                                     "数据接入"])

with tab_users:
    frame = data.users()
    shown = frame.rename(columns={"username": "用户名", "display_name": "姓名", "role": "角色", "active": "启用",
                                  "created_at": "创建时间", "updated_at": "更新时间", "last_login_at": "最近登录",
                                  "email": "统一身份认证标识"})
    shown["角色"] = shown["角色"].map(lambda r: ROLES.get(r, r))
    ui.dataframe(shown, hide_index=True, width="stretch")

    left, right = st.columns(2)
    with left, st.form("add_user", clear_on_submit=True, border=True):
        st.markdown("**新建账号**")
        new_name = st.text_input("用户名", help="字母、数字、下划线、点、横线")
        new_display = st.text_input("姓名")
        new_role = st.selectbox("角色", ROLE_OPTIONS, format_func=role_label)
        new_password = st.text_input("初始密码", type="password",
                                     help="至少 12 个字符，最多 72 字节；只用统一身份认证登录的账号可不填")
        new_email = st.text_input("统一身份认证标识", help="统一身份认证中的身份标识（默认为邮箱），用于单点登录匹配本账号")
        if st.form_submit_button("创建", type="primary"):
            run_action(add_user, new_name, new_role, new_password, new_display, new_email,
                       success=f"已创建账号 {new_name}")
    with right, st.form("edit_user", border=True):
        st.markdown("**修改账号**")
        names = frame["username"].tolist()
        target = st.selectbox("账号", names) if names else None
        what = st.radio("操作", ["修改角色", "重置密码", "停用", "启用", "关联统一身份认证", "重置动态验证码"],
                        horizontal=True)
        target_role = st.selectbox("新角色", ROLE_OPTIONS, format_func=role_label, key="target_role")
        target_password = st.text_input("新密码", type="password", key="target_password")
        target_email = st.text_input("统一身份认证标识", key="target_email")
        if st.form_submit_button("执行") and target:
            if what == "修改角色":
                run_action(change_role, target, target_role, success=f"已将 {target} 的角色改为 {ROLES[target_role]}，其现有登录已失效")
            elif what == "关联统一身份认证":
                run_action(link_identity, target, target_email, success=f"已将 {target} 关联到统一身份认证，其现有登录已失效")
            elif what == "重置动态验证码":
                run_action(reset_second_factor, target, success=f"已清除 {target} 的动态验证码绑定，下次登录时重新绑定")
            elif what == "重置密码":
                run_action(reset_password, target, target_password, success=f"已重置 {target} 的密码，其现有登录已失效")
            else:
                run_action(set_active, target, what == "启用", success=f"已{what}账号 {target}")

with tab_rules:
    versions = data.rules_versions()
    ui.dataframe(versions.rename(columns={"id": "版本号", "effective_from": "适用起始月", "note": "说明",
                                          "created_by": "创建人", "created_at": "创建时间"}),
                 hide_index=True, width="stretch")
    if not versions.empty:
        chosen = st.selectbox("查看版本", versions["id"].tolist())
        body = data.rules_body(int(chosen)) or "{}"
        with st.expander(f"版本 {chosen} 的规则内容（JSON）"):
            st.code(body, language="json")
        with st.form("new_rules", border=True):
            st.markdown("**新建规则版本**（以所选版本为底稿；已签认冻结月份的规则不能修改）")
            text = st.text_area("规则 JSON", value=body, height=260)
            c1, c2 = st.columns(2)
            effective = c1.text_input("适用起始月 (YYYY-MM)", value=f"{now:%Y-%m}")
            note = c2.text_input("说明（必填）")
            rules_code = code_input(user, "rules_admin", "rules_code")
            if st.form_submit_button("保存为新版本", type="primary"):
                if not note.strip():
                    st.error("请填写说明。")
                else:
                    require_action(user, "rules_admin", "保存规则版本", rules_code)
                    try:
                        vid = add_rules_version(user.username, user.role, text, effective, note)
                    except ValueError as e:   # AdminError / SignoffError: refusals with a Chinese message
                        st.error(ui.md_escape(str(e)))
                    else:
                        st.success(f"已保存规则版本 {vid}，自 {effective} 起适用。")

with tab_calendar:
    st.caption("工作日时限与受理量预测按此日历计算；没有数据的年份暂按周一至周五计算，相关结果标注「日历未确认」。"
               "每年国务院发布放假通知后，在此导入当年的安排。")
    year = st.number_input("查看年份", min_value=2004, max_value=2100, value=now.year + 1 if now.month >= 11 else now.year,
                           step=1, key="calendar-year")
    rows = calendar_reads.year_rows(int(year))
    if rows:
        ui.dataframe([{"日期": f"{r['day']:%Y-%m-%d}", "类型": "班" if r["working"] else "休", "来源": r["source"]}
                      for r in rows], hide_index=True, width="stretch")
    else:
        st.info(f"{int(year)} 年：日历中没有数据，工作日暂按周一至周五计算（日历未确认）。")
    with st.form("calendar_import", clear_on_submit=True, border=True):
        st.markdown("**导入一年的放假通知**（CSV 或 XLSX，列：日期、类型；类型为 休 或 班，只列与周一至周五不同的日期；"
                    "导入后替换该年原有数据）")
        upload = ui.file_uploader("放假通知文件", types=["csv", "xlsx"], key="calendar-file")
        if st.form_submit_button("导入", type="primary") and upload is not None:
            try:
                result = import_calendar(user.username, user.role, upload.name, upload.getvalue())
            except AdminError as e:
                st.error(ui.md_escape(str(e)))
            else:
                st.cache_data.clear()
                st.success(f"已导入 {result.year} 年工作日历：工作日放假 {result.resting} 天，周末上班 {result.working} 天。")

with tab_audit:
    c1, c2, c3, c4 = st.columns([2, 1, 1, 2])
    period = c1.date_input("日期范围", value=(now.date() - timedelta(days=6), now.date()))
    who = c2.text_input("用户名")
    action = c3.selectbox("动作", [""] + data.audit_actions(), format_func=lambda a: a or "全部")
    text = c4.text_input("对象或详情包含")
    start_day, end_day = (period if isinstance(period, tuple) and len(period) == 2 else (now.date(), now.date()))
    entries = data.audit(datetime.combine(start_day, datetime.min.time()),
                         datetime.combine(end_day + timedelta(days=1), datetime.min.time()),
                         who.strip() or None, action or None, text.strip() or None)
    entries = entries.rename(columns={"at": "时间", "username": "用户", "action": "动作", "target": "对象",
                                      "detail": "详情", "client": "客户端地址"})
    st.caption(f"共 {len(entries):,} 条（最多显示 5,000 条）")
    ui.dataframe(entries, hide_index=True, width="stretch", height=480)
    ui.downloads(entries, f"审计日志_{start_day}_{end_day}", key="audit")

FEED_KINDS = {"tickets": "工单", "events": "流转记录", "staff": "人员", "shifts": "排班考勤", "reports": "报表报送"}
RUN_STATUS = {"ok": "成功", "failed": "失败", "running": "进行中"}


def count_text(n) -> str:
    """A count with thousands separators; blank when there is none."""
    return "" if n is None or pd.isna(n) else f"{int(n):,}"


with tab_feeds:
    feed_list = feed_reads.feed_list()
    if feed_list.empty:
        st.info("尚未启用数据接入：业务系统数据库或投递目录中的数据目前只能通过“数据导入”上传。")
    else:
        st.caption(f"每个数据接入按其拉取间隔自动运行；超过拉取间隔的 {FEED_LATE_FACTOR} 倍仍未成功即视为中断，"
                   "健康检查报告故障，页面上的数据时间标记变为黄色或红色。")
        names = feed_list["name"].tolist()
        chosen = st.selectbox("数据接入", names, key="feed-name") if len(names) > 1 else names[0]
        feed = feed_list[feed_list["name"] == chosen].iloc[0]
        last = feed["last_success_at"]
        last = None if last is None or pd.isna(last) else last.to_pydatetime() if hasattr(last, "to_pydatetime") else last
        started = feed["created_at"].to_pydatetime() if hasattr(feed["created_at"], "to_pydatetime") else feed["created_at"]
        every = int(feed["every_seconds"])
        late = feed_is_late(last or started, every, now)
        st.markdown(f"**{ui.md_escape(chosen)}** · 数据源 {ui.md_escape(feed['source'])} · 拉取间隔 {every:,} 秒")
        when = f"最近成功拉取 {last:%Y-%m-%d %H:%M:%S}" if last else "尚未成功拉取"
        st.badge(f"{when}（已中断）" if late else when, color="red" if late else "green",
                 icon=":material/error:" if late else ":material/check_circle:")
        runs = feed_reads.recent_runs(chosen)
        shown_runs = pd.DataFrame({
            "开始时间": runs["started_at"], "结束时间": runs["finished_at"],
            "数据类型": runs["kind"].map(lambda k: FEED_KINDS.get(k, k)),
            "状态": runs["status"].map(lambda x: RUN_STATUS.get(x, x)),
            "行数": runs["rows_pulled"].map(count_text), "隔离行数": runs["rejects"].map(count_text),
            "滞后（秒）": runs["lag_seconds"].map(count_text), "错误": runs["error"]})
        st.markdown("**最近的拉取**（最多 100 次）")
        ui.dataframe(shown_runs, hide_index=True, width="stretch")
        rejected = feed_reads.rejects(chosen)
        st.markdown(f"**隔离的数据行**（共 {len(rejected):,} 行；其余行已正常接入）")
        shown_rejects = pd.DataFrame({
            "时间": rejected["at"], "数据类型": rejected["kind"].map(lambda k: FEED_KINDS.get(k, k)),
            "关键字段": rejected["row_key"], "水位": rejected["watermark"], "原因": rejected["reason"],
            "等待工单": rejected["waiting"].map(lambda w: "是" if w else "否"), "原始数据": rejected["row_json"]})
        if shown_rejects.empty:
            st.caption("没有被隔离的数据行。")
        else:
            ui.dataframe(shown_rejects, hide_index=True, width="stretch")
            ui.downloads(shown_rejects, f"数据接入隔离行_{chosen}", key="feed-rejects")
