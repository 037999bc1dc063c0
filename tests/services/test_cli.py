"""The command line takes `--db URL` before or after the command name, as people type it."""
import json
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.support.paths import ROOT


def dashboard(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def revision(path) -> str:
    eng = sa.create_engine(f"sqlite:///{path}")
    with eng.connect() as conn:
        found = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    eng.dispose()
    return found


@pytest.mark.parametrize("where", ["before", "after"])
def test_init_db_takes_db_on_either_side(tmp_path, where):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    args = ["--db", url, "init-db"] if where == "before" else ["init-db", "--db", url]
    done = dashboard(*args)
    assert done.returncode == 0, done.stderr
    assert "数据库已就绪" in done.stdout and str(tmp_path / "x.db") in done.stdout
    assert revision(tmp_path / "x.db") in done.stdout


def test_db_after_nested_and_reporting_commands(tmp_path):
    url = f"sqlite:///{tmp_path / 'y.db'}"
    assert dashboard("init-db", "--db", url).returncode == 0
    added = dashboard("users", "add", "wang", "--role", "reviewer", "--password-stdin", "--db", url,
                      stdin="a long passphrase here\n")
    assert added.returncode == 0, added.stderr
    listed = dashboard("users", "list", "--db", url)
    assert "wang" in listed.stdout and "reviewer" in listed.stdout
    kpi = dashboard("kpi", "--month", "2026-01", "--json", "--db", url, "--now", "2026-01-20 00:00:00")
    assert kpi.returncode == 0, kpi.stderr
    assert json.loads(kpi.stdout)["month"] == "2026-01"


def test_db_after_the_command_wins_over_the_one_before(tmp_path):
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    done = dashboard("--db", f"sqlite:///{first}", "init-db", "--db", f"sqlite:///{second}")
    assert done.returncode == 0 and second.exists() and not first.exists()


def test_users_link_single_sign_on_identities(tmp_path):
    url = f"sqlite:///{tmp_path / 'sso.db'}"
    sso_only = dashboard("users", "add", "zhang.wei", "--role", "reviewer", "--email", "zhang.wei@tzq.gov.cn",
                         "--db", url)
    assert sso_only.returncode == 0, sso_only.stderr
    neither = dashboard("users", "add", "li.na", "--role", "leader", "--db", url)
    assert neither.returncode == 1 and "--email" in neither.stderr
    assert dashboard("users", "add", "li.na", "--role", "leader", "--password-stdin", "--db", url,
                     stdin="a long passphrase here\n").returncode == 0
    taken = dashboard("users", "link", "li.na", "--email", "ZHANG.WEI@tzq.gov.cn", "--db", url)
    assert taken.returncode == 1 and "zhang.wei" in taken.stderr        # one identity, one account
    linked = dashboard("users", "link", "li.na", "--email", "li.na@tzq.gov.cn", "--db", url)
    assert linked.returncode == 0 and "li.na@tzq.gov.cn" in linked.stdout
    assert dashboard("users", "totp-reset", "nobody", "--db", url).returncode == 1
    eng = sa.create_engine(url)
    with eng.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT username, email FROM users")).all())
        refused = conn.execute(sa.text("SELECT password_hash FROM users WHERE username = 'zhang.wei'")).scalar()
    eng.dispose()
    assert rows == {"zhang.wei": "zhang.wei@tzq.gov.cn", "li.na": "li.na@tzq.gov.cn"}
    assert refused == "!"                  # no password can match it
