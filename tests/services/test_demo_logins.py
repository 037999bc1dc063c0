"""The demo's logins file belongs to the database it was made for: `demo --if-empty` (what
scripts/demo.sh runs) builds only into a database without tickets and prints only logins that sign
in to the database at hand."""
from __future__ import annotations

import shutil

import sqlalchemy as sa

from dashboard.cli import demo as demo_cli
from dashboard.cli import main as cli
from dashboard.infra.db import make_engine
from dashboard.services import users
from queries.schema import tickets

SMALL = ["demo", "--days", "2", "--tickets-per-day", "20", "--end", "2025-12-10"]
ROLES = {"leader", "reviewer", "manager", "supervisor", "analyst", "display", "admin"}


def _printed_logins(out: str) -> dict[str, str]:
    """user name → password from the table the demo command prints."""
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith("demo_"):
            rows[parts[0]] = parts[2]
    return rows


def _signs_in(url: str, username: str, password: str) -> bool:
    with make_engine(url).connect() as conn:
        user = users.get(conn, username)
    return bool(user and user["active"] and users.verify_password(password, user["password_hash"]))


def _ticket_count(url: str) -> int:
    with make_engine(url).connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar_one()


def _setup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HOTLINE_DB_URL", raising=False)
    return f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"


def test_logins_of_one_database_are_not_printed_for_another(tmp_path, monkeypatch, capsys):
    url_a, url_b = _setup(tmp_path, monkeypatch)
    assert cli.main(["--db", url_a, *SMALL]) == 0
    logins_a = _printed_logins(capsys.readouterr().out)
    assert set(logins_a) == {f"demo_{r}" for r in ROLES}
    assert demo_cli.logins_file(url_a) != demo_cli.logins_file(url_b)

    # B is empty: --if-empty builds it and prints B's own logins, which sign in to B.
    assert cli.main(["--db", url_b, *SMALL[:1], "--if-empty", *SMALL[1:]]) == 0
    out = capsys.readouterr().out
    logins_b = _printed_logins(out)
    assert set(logins_b) == set(logins_a)
    assert not set(logins_a.values()) & set(out.split())
    assert _ticket_count(url_b) > 0
    for name, password in logins_b.items():
        assert _signs_in(url_b, name, password)
        assert not _signs_in(url_b, name, logins_a[name])
    # A's logins still sign in to A: building B did not touch A or A's file.
    assert all(_signs_in(url_a, n, p) for n, p in logins_a.items())
    assert demo_cli.working_logins(make_engine(url_a), url_a) == [
        (f"demo_{r}", r, logins_a[f"demo_{r}"]) for r in demo_cli.ROLES]


def test_existing_demo_prints_its_own_file_without_rebuilding(tmp_path, monkeypatch, capsys):
    url_a, _ = _setup(tmp_path, monkeypatch)
    assert cli.main(["--db", url_a, *SMALL]) == 0
    first = _printed_logins(capsys.readouterr().out)
    before = _ticket_count(url_a)

    # A rebuild with these options would hold five times as many tickets.
    assert cli.main(["--db", url_a, "demo", "--if-empty", "--days", "10", "--tickets-per-day", "20",
                     "--end", "2025-12-10"]) == 0
    out = capsys.readouterr().out
    assert "不重新生成" in out
    assert _printed_logins(out) == first
    assert _ticket_count(url_a) == before


def test_a_file_made_for_another_database_is_not_trusted(tmp_path, monkeypatch, capsys):
    """B holds demo data but its logins file is missing and A's file sits under B's name (copied
    between machines): B's demo users get fresh passwords, and A's are never printed."""
    url_a, url_b = _setup(tmp_path, monkeypatch)
    assert cli.main(["--db", url_a, *SMALL]) == 0
    logins_a = _printed_logins(capsys.readouterr().out)
    assert cli.main(["--db", url_b, *SMALL]) == 0
    capsys.readouterr()
    shutil.copy(demo_cli.logins_file(url_a), demo_cli.logins_file(url_b))
    before = _ticket_count(url_b)

    assert cli.main(["--db", url_b, "demo", "--if-empty"]) == 0
    out = capsys.readouterr().out
    logins_b = _printed_logins(out)
    assert set(logins_b) == set(logins_a)
    assert not set(logins_a.values()) & set(out.split())
    assert all(_signs_in(url_b, n, p) for n, p in logins_b.items())
    assert _ticket_count(url_b) == before
    first_line = demo_cli.logins_file(url_b).read_text(encoding="utf-8").splitlines()[0]
    assert first_line == demo_cli.STAMP_PREFIX + demo_cli.database_identity(url_b)


def test_logins_file_missing_while_the_database_has_demo_data(tmp_path, monkeypatch, capsys):
    url_a, _ = _setup(tmp_path, monkeypatch)
    assert cli.main(["--db", url_a, *SMALL]) == 0
    old = _printed_logins(capsys.readouterr().out)
    demo_cli.logins_file(url_a).unlink()

    assert cli.main(["--db", url_a, "demo", "--if-empty"]) == 0
    new = _printed_logins(capsys.readouterr().out)
    assert set(new) == set(old) and not set(new.values()) & set(old.values())
    assert all(_signs_in(url_a, n, p) for n, p in new.items())
    assert not any(_signs_in(url_a, n, p) for n, p in old.items())


def test_a_password_changed_in_the_database_is_not_printed(tmp_path, monkeypatch, capsys):
    url_a, _ = _setup(tmp_path, monkeypatch)
    assert cli.main(["--db", url_a, *SMALL]) == 0
    old = _printed_logins(capsys.readouterr().out)
    with make_engine(url_a).begin() as conn:
        users.set_password(conn, "demo_admin", "changed-by-an-admin")

    assert cli.main(["--db", url_a, "demo", "--if-empty"]) == 0
    new = _printed_logins(capsys.readouterr().out)
    assert new["demo_admin"] != old["demo_admin"]
    assert all(_signs_in(url_a, n, p) for n, p in new.items())


def test_a_database_without_demo_accounts_gets_none(tmp_path, monkeypatch, capsys):
    url_a, _ = _setup(tmp_path, monkeypatch)
    assert cli.main(["--db", url_a, *SMALL, "--no-users"]) == 0
    capsys.readouterr()

    assert cli.main(["--db", url_a, "demo", "--if-empty"]) == 0
    out = capsys.readouterr().out
    assert "users add" in out and not _printed_logins(out)
    with make_engine(url_a).connect() as conn:
        assert not [u for u in users.list_users(conn) if u["username"].startswith("demo_")]
    assert not demo_cli.logins_file(url_a).exists()


def test_identity_leaves_out_the_password_and_resolves_sqlite_paths(tmp_path, monkeypatch):
    pg = "postgresql+psycopg://hotline:secret@db.example:5432/hotline"
    assert "secret" not in demo_cli.database_identity(pg)
    assert demo_cli.logins_file(pg) == demo_cli.logins_file(pg.replace("secret", "rotated"))
    assert demo_cli.logins_file(pg) != demo_cli.logins_file(pg.replace(":5432/hotline", ":5432/other"))
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    relative = demo_cli.database_identity("sqlite:///data/x.db")
    monkeypatch.chdir(tmp_path / "sub")
    assert demo_cli.database_identity("sqlite:///../data/x.db") == relative
    assert demo_cli.database_identity("sqlite:///data/x.db") != relative
