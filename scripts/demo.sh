#!/usr/bin/env bash
# Install what the dashboard needs, build the demo database (once), print the demo logins, and
# start the dashboard. Usage: bash scripts/demo.sh   (PORT=8501 and HOTLINE_DB_URL may be set)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8501}"

python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt
python3 -m dashboard init-db
if [ ! -s data/demo-logins.txt ] || [ "${REBUILD_DEMO:-0}" = "1" ]; then
  python3 -m dashboard demo
fi
echo
echo "演示账号 (demo logins, also in data/demo-logins.txt):"
cat data/demo-logins.txt
echo
echo "接诉即办运行监管平台: http://localhost:${PORT}/"
exec python3 -m streamlit run app.py --server.port "$PORT" --server.headless true
