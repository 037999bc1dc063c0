#!/usr/bin/env bash
# Install what the dashboard needs into .venv, build the demo database (once), print the demo
# logins, and start the dashboard. Usage: bash scripts/demo.sh [--live]
# (PORT=8501, HOTLINE_DB_URL and PYTHON — the interpreter that makes .venv — may be set)
# --live (or HOTLINE_DEMO_LIVE=1): also start the inbox feed on data/inbox/ and a generator that
# drops a few new tickets and their next steps there every minute, so the wall moves
# (docs/feed-inbox.md); both stop with the dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
PORT="${PORT:-8501}"
LIVE="${HOTLINE_DEMO_LIVE:-0}"
for arg in "$@"; do
  case "$arg" in
    --live) LIVE=1 ;;
    *) echo "用法: bash scripts/demo.sh [--live]" >&2; exit 2 ;;
  esac
done

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
if [ "$LIVE" = "1" ]; then
  INBOX="data/inbox"
  mkdir -p "$INBOX"
  "$VENV_PY" -m dashboard feed --inbox "$INBOX" >>data/feed.log 2>&1 &
  FEED_PID=$!
  "$VENV_PY" scripts/demo_drip.py "$INBOX" >>data/feed.log 2>&1 &
  DRIP_PID=$!
  # the feed and the generator end with the dashboard (Ctrl-C or exit)
  trap 'kill "$FEED_PID" "$DRIP_PID" 2>/dev/null || true' EXIT INT TERM
  echo "实时演示：收件箱 ${INBOX}/ 每分钟收到新工单，数据接入日志见 data/feed.log"
fi
echo "接诉即办运行监管平台: http://localhost:${PORT}/"
if [ "$LIVE" = "1" ]; then
  "$VENV_PY" -m streamlit run serve.py --server.port "$PORT" --server.headless true
else
  exec "$VENV_PY" -m streamlit run serve.py --server.port "$PORT" --server.headless true
fi
