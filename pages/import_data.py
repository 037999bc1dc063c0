"""数据导入: choose kind and mapping, upload, preview and validate, import, result, history."""
import streamlit as st

from dashboard.services import import_flow as flow
from dashboard.services.ingest import FileRefused
from dashboard.web import ui
from dashboard.web.auth import require_action, require_role
from dashboard.web.reads import engine, now_minute, write_engine
from dashboard.web.reads import imports as data
from domain.formatting import count

user = require_role("import")
now = now_minute()

ui.page_header("数据导入", f"{now:%Y年%m月%d日 %H:%M} · {user.display_name} · "
               "CSV（UTF-8 / GB18030）或 XLSX，首行为表头；同一文件重复导入不会产生重复数据")

KINDS = flow.kind_options()
state = st.session_state
state.setdefault("import_uploader_n", 0)

tab_new, tab_history = st.tabs(["导入文件", "导入记录"])

with tab_new:
    result = state.get("import_result")
    if result is not None:
        with st.container(border=True):
            st.subheader("上次导入结果")
            getattr(st, flow.result_level(result))(f"{result.file_name}：{result.message}")
            ui.tiles([
                ui.Tile("新增", count(result.inserted)),
                ui.Tile("更新", count(result.updated)),
                ui.Tile("未变", count(result.unchanged)),
                ui.Tile("拒绝", count(result.rejected), help="有错误而未导入的行"),
            ])
            for w in result.warnings:
                st.text(f"提示：{w}")
            if not result.rejected_rows.empty:
                st.caption("被拒绝的行（含行号与原因）")
                ui.dataframe(result.rejected_rows, hide_index=True, width="stretch", height=240)
                ui.downloads(result.rejected_rows, f"拒绝行_{result.file_name}", key="import-rejects", sheet="拒绝行")
            if st.button("关闭结果", key="import_result_close"):
                state.pop("import_result", None)
                st.rerun()

    c1, c2, c3 = st.columns([2.2, 2, 2])
    with c1:
        kind = st.selectbox("导入类型", list(KINDS), format_func=KINDS.get, key="import_kind")
    maps = flow.committed_mappings(kind)
    choices = {flow.NO_MAPPING: "不使用映射（标准表头）", **maps, flow.UPLOADED_MAPPING: "上传映射文件（YAML）…"}
    with c2:
        mapping_choice = st.selectbox("字段映射", list(choices), format_func=choices.get, key="import_mapping",
                                      help="外部导出格式（如其他城市的 12345 导出）通过映射文件转换为标准表头")
    yaml_bytes = None
    with c3:
        if mapping_choice == flow.UPLOADED_MAPPING:
            yfile = ui.file_uploader("映射文件", types=["yaml", "yml"], key="import_mapping_file")
            yaml_bytes = yfile.getvalue() if yfile is not None else None
        else:
            st.caption("标准表头：中文表头或英文键名均可识别，多余的列会被忽略并提示。")

    uploaded = ui.file_uploader("上传数据文件", types=["csv", "xlsx"], key=f"import_file_{state.import_uploader_n}")
    if uploaded is not None:
        upload = flow.Upload(uploaded.name, uploaded.getvalue())
        if state.get("import_upload") is None or state.import_upload.sha256 != upload.sha256:
            state.import_upload = upload     # kept until the import, so confirming needs no re-upload
            state.pop("import_preview", None)
    upload = state.get("import_upload")

    if upload is None:
        st.info("请选择导入类型并上传文件。上传后将先显示预览与校验结果，确认后才会写入数据库。",
                icon=":material/upload_file:")
    else:
        try:
            mapping = flow.mapping_source(mapping_choice, yaml_bytes)
            mapping_error = None
        except FileRefused as e:
            mapping, mapping_error = None, str(e)
        preview_key = (upload.sha256, kind, mapping_choice, hash(yaml_bytes))
        if mapping_error:
            pv = None
        elif state.get("import_preview", (None, None))[0] == preview_key:
            pv = state.import_preview[1]
        else:
            with st.spinner("正在读取与校验…"):
                pv = flow.make_preview(engine(), kind, upload, mapping)
            state.import_preview = (preview_key, pv)

        st.subheader(f"预览：{ui.md_escape(upload.name)}")
        st.caption(f"{KINDS[kind]} · {upload.size_text}")
        if mapping_error:
            st.warning(mapping_error)
        elif pv.message:
            st.error(f"文件无法导入：{pv.message}", icon=":material/block:")
        else:
            bad_rows = int(pv.errors["行号"].nunique()) if not pv.errors.empty else 0
            ui.tiles([
                ui.Tile("数据行", count(pv.rows_total)),
                ui.Tile("识别列", count(len(pv.recognised))),
                ui.Tile("忽略列", count(len(pv.unknown_columns))),
                ui.Tile("错误行", count(bad_rows), help="有一个或多个错误的行数"),
                ui.Tile("提示", count(len(pv.warnings))),
            ])
            t_rows, t_cols, t_check = st.tabs([f"前 {len(pv.head)} 行", "列识别", f"校验报告（{len(pv.errors)} 处错误）"])
            with t_rows:
                head = pv.head.copy()
                head.index = range(2, len(head) + 2)     # the file's row numbers (row 1 is the header)
                head.index.name = "行号"
                ui.dataframe(head, width="stretch", height=300)
            with t_cols:
                ui.dataframe(flow.recognised_table(pv), hide_index=True, width="stretch")
            with t_check:
                if pv.errors.empty:
                    st.success("未发现错误。")
                else:
                    ui.dataframe(pv.errors, hide_index=True, width="stretch",
                                 height="auto" if len(pv.errors) <= 8 else 300,
                                 column_config={"行号": st.column_config.NumberColumn("行号", format="%d")})
                for w in pv.warnings:
                    st.text(f"提示：{w}")

            mode = st.radio("导入方式", list(flow.MODES), format_func=flow.MODES.get, horizontal=True,
                            key="import_mode", index=1 if not pv.errors.empty else 0)
            b1, b2, _ = st.columns([1.2, 1, 5])
            with b1:
                go = st.button("确认导入", type="primary", icon=":material/cloud_upload:", key="import_confirm")
            with b2:
                if st.button("取消", key="import_cancel"):
                    for k in ("import_upload", "import_preview"):
                        state.pop(k, None)
                    state.import_uploader_n += 1
                    st.rerun()
            if go:
                require_action(user, "import", "数据导入")   # server-side re-check before any write
                bar = st.progress(0.0, text="开始导入")
                try:
                    res = flow.confirm_import(user.role, write_engine(), kind, upload, mapping=mapping, mode=mode,
                                              username=user.username,
                                              progress=lambda f, t: bar.progress(min(max(float(f), 0.0), 1.0), text=t))
                except (flow.ImportNotAllowed, FileRefused) as e:
                    st.error(ui.md_escape(str(e)))
                    st.stop()
                state.import_result = res
                for k in ("import_upload", "import_preview"):
                    state.pop(k, None)
                state.import_uploader_n += 1     # a fresh uploader: the file is gone from the page too
                data.history.clear()
                st.rerun()

with tab_history:
    h1, _ = st.columns([3, 3])
    with h1:
        kinds = st.multiselect("按类型筛选", list(KINDS), format_func=KINDS.get, key="import_history_kinds",
                               placeholder="全部类型")
    hist = data.history(tuple(kinds))
    if hist.empty:
        st.info("暂无导入记录。")
    else:
        ui.dataframe(hist, hide_index=True, width="stretch", height="auto" if len(hist) <= 12 else 460,
                     column_config={
                         "导入时间": st.column_config.DatetimeColumn("导入时间", format="YYYY-MM-DD HH:mm:ss"),
                         **{c: st.column_config.NumberColumn(c, format="localized")
                            for c in ("总行数", "新增", "更新", "未变", "拒绝")},
                         "说明": st.column_config.TextColumn("说明", width="large"),
                     })
        st.caption(f"最近 {len(hist)} 次导入，按时间倒序")
