#!/usr/bin/env bash
# Install what the dashboard needs into .venv, build the demo database (once), print the demo
# logins, and start the dashboard. Usage: bash scripts/demo.sh
# (PORT=8501, HOTLINE_DB_URL and PYTHON — the interpreter that makes .venv — may be set)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
PORT="${PORT:-8501}"

ensure_venv requirements.txt
"$VENV_PY" -m dashboard init-db
# Builds only when the database holds no tickets; either way it prints logins that work in this
# database (never another database's) or says how to get some.
if [ "${REBUILD_DEMO:-0}" = "1" ]; then
  "$VENV_PY" -m dashboard demo
else
  "$VENV_PY" -m dashboard demo --if-empty
fi
echo
echo "接诉即办运行监管平台: http://localhost:${PORT}/"
exec "$VENV_PY" -m streamlit run serve.py --server.port "$PORT" --server.headless true
