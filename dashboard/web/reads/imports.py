"""Cached import history (import_log) for the 数据导入 page."""
from __future__ import annotations

import pandas as pd

from dashboard.services.ingest.spec import KIND_LABELS
from dashboard.web.reads import cached, engine
from queries.imports import import_history

STATUS_LABELS = {"ok": "成功", "partial": "部分导入", "refused": "已拒绝"}
HISTORY_LABELS = {"at": "导入时间", "username": "操作人", "kind": "类型", "file_name": "文件", "rows_total": "总行数",
                  "rows_inserted": "新增", "rows_updated": "更新", "rows_unchanged": "未变", "rows_rejected": "拒绝",
                  "status": "状态", "message": "说明"}


@cached(ttl="30s", max_entries=16, show_spinner=False)
def history(kinds: tuple[str, ...] = (), limit: int = 200) -> pd.DataFrame:
    """HISTORY_LABELS columns, newest first, kinds and statuses in Chinese."""
    with engine().connect() as conn:
        df = import_history(conn, kinds=list(kinds), limit=limit)
    df["kind"] = df["kind"].map(lambda k: KIND_LABELS.get(k, k))
    df["status"] = df["status"].map(lambda s: STATUS_LABELS.get(s, s))
    return df[list(HISTORY_LABELS)].rename(columns=HISTORY_LABELS)
