"""SQLite imports commit without the automatic WAL checkpoint; a background thread copies the log
into the database file right after (the checkpoint was 3 s of a 200,000-ticket import)."""
import os
import threading

from benchmarks.import_speed import generate
from dashboard.infra.db import make_engine
from dashboard.services.bootstrap import init_db
from dashboard.services.ingest import run_import, writing


def test_import_defers_the_checkpoint_and_a_thread_completes_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_PII_KEY", "checkpoint-test-key-" + "k" * 32)   # the file has callers' numbers
    path = tmp_path / "c.db"
    eng = make_engine(f"sqlite:///{path}")
    init_db(eng)
    tickets_csv, _ = generate(6000, tmp_path)
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    size_before = os.path.getsize(path)
    at_thread_start = []
    original = writing._checkpoint

    def spy(p):
        at_thread_start.append((os.path.getsize(path), os.path.getsize(f"{path}-wal")))
        original(p)

    monkeypatch.setattr(writing, "_checkpoint", spy)
    res = run_import(eng, "tickets", tickets_csv.name, tickets_csv.read_bytes(), username="t")
    assert res.status == "ok" and res.inserted == 6000
    for t in threading.enumerate():
        if t.name == "wal-checkpoint":
            t.join(30)
    db_size, wal_size = at_thread_start[0]
    assert db_size == size_before and wal_size > 4_000_000      # the commit copied nothing
    assert os.path.getsize(path) > size_before + 4_000_000       # the thread did
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000   # restored
        busy, log_frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        assert busy == 0 and log_frames == copied
        assert conn.exec_driver_sql("SELECT count(*) FROM tickets").scalar() == 6000
    eng.dispose()
