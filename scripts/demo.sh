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
if [ ! -s data/demo-logins.txt ] || [ "${REBUILD_DEMO:-0}" = "1" ]; then
  "$VENV_PY" -m dashboard demo
fi
echo
echo "演示账号 (demo logins, also in data/demo-logins.txt):"
cat data/demo-logins.txt
echo
echo "接诉即办运行监管平台: http://localhost:${PORT}/"
exec "$VENV_PY" -m streamlit run app.py --server.port "$PORT" --server.headless true
