"""Everything a refactoring must leave equal, written to one folder for a later diff.

    python scripts/snapshot.py OUT_DIR [--keep-db]

It builds the default demo (pinned end day and clock) into a fresh SQLite database through the
command line only, then records:
- `kpi --json` of every month of the demo,
- the `tickets` export,
- the cell values of every report workbook (daily, weekly, monthly, topic, standup, acceptance),
- each page's figures as an administrator sees them in AppTest (titles, metrics, tables, texts).

Run it before and after a change and compare: `diff -r BEFORE AFTER`. It uses the command line
and app.py only, so it works across any reorganisation of the modules behind them.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
END_DAY = "2026-11-30"
NOW = "2026-11-30 15:30:00"
MONTHS = ["2026-09", "2026-10", "2026-11"]
REPORT_DAY = "2026-11-27"
TOPIC_CATEGORY = "供暖"
REPORT_KINDS = ["daily", "weekly", "monthly", "topic", "standup", "acceptance"]
PAGES = ["overview", "wall", "backlog", "timeliness", "three_rates", "tickets", "staff", "standup",
         "shifts", "assessment", "payment", "compliance", "reports", "import_data", "admin"]
PASSWORD = "snapshot passphrase 1"
# What differs between two runs of equal code: when a workbook was made, when a row was written.
RUN_TIMES = [(re.compile(r"生成于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}"), "生成于 <run time>"),
             (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?=,|\\n)"), "<run time>")]   # in JSON text


def without_run_times(text: str, *, row_times: bool = False) -> str:
    for pattern, mask in RUN_TIMES[: 2 if row_times else 1]:
        text = pattern.sub(mask, text)
    return text


def cli(db_url: str, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "dashboard", "--db", db_url, *args], cwd=ROOT,
                          input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def workbook_cells(path: Path) -> dict:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {sheet.title: [[None if c is None else str(c) for c in row]
                          for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def page_figures(page: str) -> dict:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    from dashboard.infra.db import make_engine
    from dashboard.infra.settings import db_url
    from dashboard.services import sessions
    from dashboard.web.auth import SSO_TOKEN_KEY

    with make_engine(db_url()).begin() as conn:   # a real server-side session, as after sign-in
        at.session_state[SSO_TOKEN_KEY] = sessions.create(conn, "snap_admin", method="password",
                                                          second_factor_given=True)
    at.run()
    at.switch_page(f"pages/{page}.py")
    at.run()

    def values(kind: str) -> list:
        return [str(getattr(e, "value", "")) for e in getattr(at, kind)]

    return {
        "title": values("title"), "header": values("header"), "subheader": values("subheader"),
        "markdown": values("markdown"), "caption": values("caption"), "info": values("info"),
        "warning": values("warning"), "error": values("error"), "success": values("success"),
        "exception": values("exception"),
        "metric": [[m.label, str(m.value), str(m.delta)] for m in at.metric],
        "dataframe": [e.value.to_csv() for e in at.dataframe],
        "table": [e.value.to_csv() for e in at.table],
        "selectbox": [[s.label, str(s.value)] for s in at.selectbox],
        "tabs": [t.label for t in at.tabs],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    if out.exists():
        shutil.rmtree(out)
    (out / "reports").mkdir(parents=True)
    (out / "pages").mkdir()
    db = out / "snapshot.db"
    url = f"sqlite:///{db}"

    cli(url, "init-db")
    cli(url, "demo", "--days", "90", "--tickets-per-day", "1500", "--end", END_DAY, "--no-users")
    cli(url, "users", "add", "snap_admin", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")

    for month in MONTHS:
        (out / f"kpi-{month}.json").write_text(
            json.dumps(json.loads(cli(url, "kpi", "--month", month, "--json", "--now", NOW)),
                       ensure_ascii=False, indent=1, sort_keys=True))
    cli(url, "tickets", "--now", NOW, "--out", str(out / "tickets.csv"))
    for kind in REPORT_KINDS:
        book = out / "reports" / f"{kind}.xlsx"
        extra = ["--category", TOPIC_CATEGORY] if kind == "topic" else []
        cli(url, "report", kind, "--date", REPORT_DAY, "--now", NOW, "--out", str(book), *extra)
        (out / "reports" / f"{kind}.json").write_text(
            without_run_times(json.dumps(workbook_cells(book), ensure_ascii=False, indent=1)))
        book.unlink()

    os.environ["HOTLINE_DB_URL"] = url
    os.environ["HOTLINE_NOW"] = NOW
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    for page in PAGES:
        # the admin page lists accounts and rules versions with the times this run wrote them
        (out / "pages" / f"{page}.json").write_text(without_run_times(
            json.dumps(page_figures(page), ensure_ascii=False, indent=1), row_times=page == "admin"))
    if not args.keep_db:
        db.unlink()
    print(f"snapshot written to {out}")


if __name__ == "__main__":
    main()
