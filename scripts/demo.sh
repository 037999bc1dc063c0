#!/usr/bin/env bash
# Install what the dashboard needs, build the demo database (once), print the demo logins, and
# start the dashboard. Usage: bash scripts/demo.sh   (PORT=8501 and HOTLINE_DB_URL may be set)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8501}"

python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt
python3 -m dashboard init-db
# Builds only when the database holds no tickets; either way it prints logins that work in this
# database (never another database's) or says how to get some.
if [ "${REBUILD_DEMO:-0}" = "1" ]; then
  python3 -m dashboard demo
else
  python3 -m dashboard demo --if-empty
fi
echo
echo "接诉即办运行监管平台: http://localhost:${PORT}/"
exec python3 -m streamlit run app.py --server.port "$PORT" --server.headless true
