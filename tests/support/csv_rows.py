"""CSV bytes of import rows, as a clerk's UTF-8 export would hold them (shared by import tests)."""
import csv
import io


def csv_bytes(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")
