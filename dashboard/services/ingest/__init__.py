"""Import pipeline (docs/imports.md): read → map → validate → write, one transaction per file.

    preview(kind, filename, data, mapping=None) -> Preview
    run_import(engine, kind, filename, data, *, mapping=None, quarantine=False, username, progress) -> ImportResult
"""
from dashboard.services.ingest.core import ImportResult, Preview, preview, run_import
from dashboard.services.ingest.frozen import frozen_months
from dashboard.services.ingest.mapping import Mapping, load_mapping
from dashboard.services.ingest.reading import FileRefused

__all__ = ["ImportResult", "Preview", "preview", "run_import", "frozen_months", "Mapping", "load_mapping",
           "FileRefused"]
