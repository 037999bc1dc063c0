"""Hostile spreadsheets: XML entity bombs and external entities are refused with a message,
quickly and without expanding them."""
import io
import resource
import zipfile

import openpyxl
import pytest

from dashboard.services.ingest.reading import FileRefused, read_table

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
