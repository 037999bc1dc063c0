"""The import history query (newest first, by kind, limited) on both engines."""
from datetime import datetime

from queries.imports import IMPORT_HISTORY_COLUMNS, import_history
from queries.schema import import_log


def test_import_history_query(engine):
    rows = [
        dict(at=datetime(2026, 1, 2, 9, 0), username="a", kind="tickets", file_name="t1.csv", status="ok",
             rows_total=3, rows_inserted=3),
        dict(at=datetime(2026, 1, 3, 9, 0), username="b", kind="staff", file_name="s.csv", status="refused",
             rows_total=2, rows_rejected=2, message="2 行有错误"),
        dict(at=datetime(2026, 1, 3, 9, 0), username="a", kind="tickets", file_name="t2.csv", status="partial",
             rows_total=5, rows_inserted=4, rows_rejected=1),
    ]
    with engine.begin() as conn:
        for r in rows:
            conn.execute(import_log.insert().values(**r))
    with engine.connect() as conn:
        all_ = import_history(conn)
        assert list(all_.columns) == IMPORT_HISTORY_COLUMNS
        assert list(all_["file_name"]) == ["t2.csv", "s.csv", "t1.csv"]     # newest first, ties by id
        only = import_history(conn, kinds=["tickets"])
        assert list(only["file_name"]) == ["t2.csv", "t1.csv"]
        assert list(only["rows_inserted"]) == [4, 3] and list(only["rows_rejected"]) == [1, 0]
        assert list(import_history(conn, limit=1)["file_name"]) == ["t2.csv"]
