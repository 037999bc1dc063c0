"""Import pipeline (DESIGN 5): read → map → validate → write, one transaction per file.

    preview(kind, filename, data, mapping=None) -> Preview
    run_import(engine, kind, filename, data, *, mapping=None, quarantine=False, username, progress) -> ImportResult
"""
from dashboard.ingest.core import ImportResult, Preview, preview, run_import
from dashboard.ingest.frozen import frozen_months
from dashboard.ingest.mapping import Mapping, load_mapping
from dashboard.ingest.reading import FileRefused

__all__ = ["ImportResult", "Preview", "preview", "run_import", "frozen_months", "Mapping", "load_mapping",
           "FileRefused"]
