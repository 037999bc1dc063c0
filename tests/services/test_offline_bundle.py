"""The offline bundle for intranet servers: scripts/bundle.sh builds it once per session, it is
unpacked in an empty directory and installed there with no package index reachable (in a network
namespace of its own where this machine allows one), and the installed product then works."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
NAME = f"hotline-offline-{VERSION}"
MANYLINUX = [f"manylinux_2_{minor}_x86_64" for minor in range(36, 16, -1)] + ["manylinux2014_x86_64"]

pytestmark = pytest.mark.offline_bundle


def _offline_env() -> dict[str, str]:
    """No index, no find-links and no pip configuration of this machine; a dead index address in
    case anything still asks for one. The database is the bundle's own SQLite file."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "HOTLINE_")) and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(PIP_NO_INDEX="1", PIP_INDEX_URL="http://127.0.0.1:9/", PIP_CONFIG_FILE=os.devnull,
               PYTHON=sys.executable)
    return env


def _without_network() -> list[str]:
    """A fresh network namespace (only a loopback that is down) when this user may make one."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-n"]
    return []


def _run(cmd: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_without_network(), *cmd], cwd=cwd, env=_offline_env(), capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="session")
def bundle(tmp_path_factory) -> Path:
    """The bundle built from this checkout and unpacked in an empty directory."""
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(["bash", "scripts/bundle.sh", str(out)], cwd=ROOT, capture_output=True, text=True,
                           timeout=900)
    assert built.returncode == 0, built.stdout + built.stderr
    archive = out / f"{NAME}.tar.gz"
    assert archive.is_file(), built.stdout
    where = tmp_path_factory.mktemp("unpacked")
    subprocess.run(["tar", "-xzf", str(archive), "-C", str(where)], check=True)
    return where / NAME


@pytest.fixture(scope="session")
def installed(bundle: Path) -> Path:
    done = _run(["bash", "install.sh"], cwd=bundle)
    assert done.returncode == 0, done.stdout + done.stderr
    return bundle


def test_bundle_holds_the_project_and_not_the_tests(bundle: Path):
    for part in ("install.sh", "app.py", "requirements.txt", "pyproject.toml", ".streamlit/config.toml",
                 "dashboard/infra/migrations/script.py.mako", "pages", "deploy"):
        assert (bundle / part).exists(), part
    assert not (bundle / "tests").exists()
    assert (bundle / "wheels" / f"hotline_dashboard-{VERSION}-py3-none-any.whl").is_file()


@pytest.mark.parametrize("python", ["3.11", "3.12"])
def test_every_locked_package_has_a_wheel_for(bundle: Path, python: str, tmp_path: Path):
    """Resolves the whole lock for that CPython on Linux x86_64 from wheels/ alone, hashes checked."""
    platforms = [arg for tag in MANYLINUX for arg in ("--platform", tag)]
    resolved = _run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-index",
                     "--find-links", "wheels", "--require-hashes", "--only-binary=:all:", *platforms,
                     "--python-version", python, "--implementation", "cp", "--target", str(tmp_path / "t"),
                     "-r", "requirements.txt"], cwd=bundle)
    assert resolved.returncode == 0, resolved.stdout + resolved.stderr
    assert "Would install" in resolved.stdout
    for package in ("streamlit-1.67.0", "pandas-3.1.1", "pyarrow-", "PyJWT-", "psycopg-binary-"):
        assert package.lower() in resolved.stdout.lower(), package


def test_installed_offline_it_creates_its_database_and_demo_and_reports(installed: Path):
    py = str(installed / ".venv" / "bin" / "python")
    where = _run([py, "-c", "import dashboard, streamlit, pyarrow, jwt; print(dashboard.__file__)"], cwd=Path("/"))
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(installed / ".venv")), where.stdout

    init = _run([py, "-m", "dashboard", "init-db"], cwd=installed)
    assert init.returncode == 0, init.stdout + init.stderr
    assert "数据库已就绪" in init.stdout
    assert (installed / "data" / "hotline.db").is_file()

    demo = _run([py, "-m", "dashboard", "demo", "--days", "7", "--end", "2026-01-31"], cwd=installed)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "演示数据已生成：2026-01-25 至 2026-01-31" in demo.stdout

    commands = _run([py, "-m", "dashboard", "--help"], cwd=installed).stdout
    if " health " in commands or "\n    health" in commands:
        health = _run([py, "-m", "dashboard", "health"], cwd=installed)
        # 2 is "degraded" (the calendar lacks some of the next 60 days), not a failure
        assert health.returncode in (0, 2), health.stdout + health.stderr
    kpi = _run([py, "-m", "dashboard", "kpi", "--month", "2026-01", "--json"], cwd=installed)
    assert kpi.returncode == 0, kpi.stdout + kpi.stderr
    report = json.loads(kpi.stdout)
    assert report["month"] == "2026-01"
    assert report["indicators"]["sign_on_time_rate"]["denominator"] > 0
