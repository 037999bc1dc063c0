"""Reading import files (dashboard.services.ingest.reading): XML entity bombs, external entities and
zip bombs are refused with a message, quickly and without expanding them; the fast CSV reader gives
the pandas table."""
import io
import resource
import zipfile

import openpyxl
import pandas as pd
import pytest

from dashboard.services.ingest import reading
from dashboard.services.ingest.reading import FileRefused, _header, _read_csv, _read_csv_arrow, read_table

BOMB_DTD = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
            + "]>")
XXE_DTD = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _workbook_with(part: str, dtd: str, entity: str) -> bytes:
    """A real workbook whose `part` gets a DTD and an entity reference in its first cell."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工单编号", "接收时间"])
    ws.append(["MARK", "2026-01-15 09:00:00"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                text = data.decode("utf-8")
                text = text.split("?>", 1)[1] if text.startswith("<?xml") else text
                text = dtd + text.replace("MARK", entity)
                data = text.encode("utf-8")
            dst.writestr(info, data)
    return out.getvalue()


def _part_holding_mark(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return next(n for n in z.namelist() if b"MARK" in z.read(n))


@pytest.mark.parametrize("dtd, entity", [(BOMB_DTD, "&lol9;"), (XXE_DTD, "&xxe;")], ids=["billion-laughs", "xxe"])
def test_entity_payloads_are_refused(dtd, entity):
    plain = _workbook_with("none", "", "")
    part = _part_holding_mark(plain)
    hostile = _workbook_with(part, dtd, entity)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(FileRefused):
        read_table("hostile.xlsx", hostile)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100


def test_zip_bomb_refused_before_parsing(monkeypatch):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "x" * 2_000_000)
    monkeypatch.setattr(reading, "MAX_UNZIPPED_BYTES", 1_000_000)
    with pytest.raises(reading.FileRefused, match="解压后过大"):
        reading.read_table("a.xlsx", buf.getvalue())


@pytest.mark.parametrize("body", [
    b"a,b\n1,2\n", b'a,b\n"x\ny",2\n', b"a,b\r\n1,2\r\n\r\n3,4\r\n", b'a,b\nab"c,2\n', b"a,b\n1,2\n,\n",
    b"a,b\r1,2\r3,4", b'a,b\n"q""x",2\n', " 工单编号 ,b\n１, ２ \n".encode(),
    # the pandas reader decides these (Arrow refuses or could read them differently)
    b"a,a\n1,2\n", b"a,,c\n1,2,3\n", b"a,b\n1,2,3\n", b"a,b\n1\n", b"a,b\n  ,2\n   \n",
])
def test_csv_reader_gives_the_pandas_table(body):
    """Arrow's CSV parser is used for speed only where it reads what pandas reads."""
    want = pd.read_csv(io.BytesIO(body), encoding="utf-8", dtype=str, keep_default_na=False, na_filter=False,
                       skipinitialspace=False, skip_blank_lines=True)
    want.columns = [_header(c) for c in want.columns]
    got = _read_csv(body)
    assert got.equals(want)
    assert got.columns.tolist() == want.columns.tolist()
    arrow = _read_csv_arrow(body)
    assert arrow is None or arrow.equals(want)
