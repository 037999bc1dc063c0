"""The 数据导入 page's logic, kept out of the page so it is testable without a browser.

The page reaches the writing pipeline (dashboard.services.ingest.run_import) only through `confirm_import`,
which re-checks the user's role server-side before anything is written.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from dashboard.services.ingest import FileRefused, ImportResult, Preview, load_mapping, preview, run_import
from dashboard.services.ingest.spec import KIND_LABELS, KINDS
from domain import access

log = logging.getLogger(__name__)
MAPPINGS_DIR = Path(__file__).resolve().parents[2] / "mappings"
NO_MAPPING = ""
UPLOADED_MAPPING = "__uploaded__"
MODE_ALL = "all"
MODE_QUARANTINE = "quarantine"
MODES = {MODE_ALL: "整体导入（有错误则全部拒绝）", MODE_QUARANTINE: "只导入有效行，隔离错误行"}


class ImportNotAllowed(Exception):
    """The user's role may not import (message in Chinese)."""


@dataclass(frozen=True)
class Upload:
    """The bytes of one uploaded file, kept between the preview and the confirmation."""
    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size_text(self) -> str:
        n = len(self.data)
        if n >= 1024 * 1024:
            return f"{n / 1024 / 1024:.1f} MB"
        return f"{n // 1024} KB" if n >= 1024 else f"{n} 字节"


def kind_options() -> dict[str, str]:
    """kind key → 中文, in the order of KINDS (docs/imports.md)."""
    return {k: KIND_LABELS[k] for k in KINDS}


def committed_mappings(kind: str | None = None, directory: Path = MAPPINGS_DIR) -> dict[str, str]:
    """mappings/*.yaml (file name → first comment line or file name), only those for `kind` if given."""
    out: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            m = load_mapping(path)
        except FileRefused:
            continue
        if kind and m.kind != kind:
            continue
        first = path.read_text(encoding="utf-8", errors="replace").splitlines()[:1]
        title = first[0].lstrip("# ").strip() if first and first[0].startswith("#") else ""
        out[path.name] = f"{path.name} — {title[:40]}" if title else path.name
    return out


def mapping_source(choice: str, uploaded_yaml: bytes | None = None, directory: Path = MAPPINGS_DIR):
    """What dashboard.services.ingest accepts as `mapping` for the page's choice (None, a Path or YAML bytes)."""
    if choice == NO_MAPPING:
        return None
    if choice == UPLOADED_MAPPING:
        if not uploaded_yaml:
            raise FileRefused("请上传映射文件（YAML）")
        return uploaded_yaml
    path = (directory / choice).resolve()
    if path.parent != directory.resolve() or not path.is_file():
        raise FileRefused(f"映射文件不存在：{choice}")
    return path


def check_mapping(kind: str, mapping) -> None:
    """Refuse a mapping written for another kind, in Chinese (the pipeline would refuse too)."""
    m = load_mapping(mapping)
    if m is not None and m.kind != kind:
        raise FileRefused(f"映射文件用于导入「{KIND_LABELS.get(m.kind, m.kind)}」，"
                          f"与所选类型「{KIND_LABELS.get(kind, kind)}」不一致")


def make_preview(engine: Engine, kind: str, upload: Upload, mapping=None) -> Preview:
    """The pipeline's preview with database checks; never raises (problems become pv.message)."""
    try:
        check_mapping(kind, mapping)
        with engine.connect() as conn:
            return preview(kind, upload.name, upload.data, mapping, conn=conn)
    except FileRefused as e:
        return Preview(kind, upload.name, message=str(e))
    except Exception as e:  # noqa: BLE001 - the user gets a message, the log gets the traceback
        log.exception("preview failed: %s %s", kind, upload.name)
        return Preview(kind, upload.name, message=f"无法预览该文件（{type(e).__name__}），请检查文件格式后重试")


def recognised_table(pv: Preview) -> pd.DataFrame:
    """源列 → 识别为 rows, then the ignored columns."""
    rows = [(src, dst, "已识别") for src, dst in pv.recognised.items()]
    rows += [(src, "", "未识别，已忽略") for src in pv.unknown_columns]
    return pd.DataFrame(rows, columns=["文件中的列", "对应标准列", "处理"])


def confirm_import(role: str | None, engine: Engine, kind: str, upload: Upload, *, mapping=None,
                   mode: str = MODE_ALL, username: str = "",
                   progress: Callable[[float, str], None] | None = None) -> ImportResult:
    """The only way the page writes: re-checks the role, then runs the pipeline (one transaction)."""
    if not access.can(role, "import"):
        raise ImportNotAllowed("无权导入数据：当前角色不能执行数据导入。如需权限请联系系统管理员。")
    if mode not in MODES:
        raise FileRefused(f"未知的导入方式：{mode}")
    try:
        check_mapping(kind, mapping)
    except FileRefused as e:
        return ImportResult(kind, upload.name, upload.sha256, message=str(e))
    return run_import(engine, kind, upload.name, upload.data, mapping=mapping,
                      quarantine=(mode == MODE_QUARANTINE), username=username, progress=progress)


def result_level(res: ImportResult) -> str:
    """success / warning / error for the page's message box."""
    if res.status == "ok":
        return "success"
    return "warning" if res.status == "partial" else "error"
