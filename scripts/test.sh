#!/usr/bin/env bash
# Install everything the tests need (Python packages, Chromium and CJK fonts for the browser tests,
# a running PostgreSQL), check the architecture and the code (import-linter layers, ruff, mypy),
# then run the whole test suite. Any failure fails the script. Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
  if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  fi
fi

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi

echo "== checks: import layers, lint, types"
python3 -c 'from importlinter.cli import lint_imports_command; lint_imports_command()' --no-cache
python3 -m ruff check .
python3 -m mypy

exec python3 -m pytest -n 2 --dist loadfile -q -p no:cacheprovider "$@"
