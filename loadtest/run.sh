#!/usr/bin/env bash
# Browser load test: two Streamlit instances behind nginx on one PostgreSQL database, 4 wall
# displays + 20 supervisors in one headless Chromium for N minutes; writes loadtest/report.md/.json.
# Everything listens on / talks to 127.0.0.1, is started here and stopped here (also on Ctrl-C).
#
#   bash loadtest/run.sh [--minutes 10] [--db URL] [--walls 4] [--supervisors 20] [--balance agent|ip]
#
# The database must hold data (e.g. python -m dashboard --db URL demo --days 1460 --tickets-per-day 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=10
DB="postgresql+psycopg://127.0.0.1:5432/hotline_big"
WALLS=4
SUPERVISORS=20
BALANCE=agent
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    --db) DB="$2"; shift 2 ;;
    --walls) WALLS="$2"; shift 2 ;;
    --supervisors) SUPERVISORS="$2"; shift 2 ;;
    --balance) BALANCE="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v nginx >/dev/null || { echo "nginx missing: apt-get install -y nginx" >&2; exit 2; }
[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium missing" >&2; exit 2; }

WORK=$(mktemp -d /tmp/hotline-loadtest.XXXXXX)
PIDS=()
cleanup() {
  set +e
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 1
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  echo "stopped; logs in $WORK"
}
trap cleanup EXIT INT TERM

PASSWORD=$(python -c "import secrets; print(secrets.token_urlsafe(18))")
export HOTLINE_DB_URL="$DB"
export HOTLINE_TRUSTED_PROXIES=127.0.0.1/32   # nginx, on this machine: its forwarded client address is believed
unset HOTLINE_NOW

# load-test accounts: lt_display_1..W (display), lt_supervisor_1..S (supervisor)
python - "$WALLS" "$SUPERVISORS" "$PASSWORD" <<'PY'
import sys
from dashboard import users
from dashboard.infra.db import make_engine
from dashboard.infra.settings import db_url
walls, sups, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
engine = make_engine(db_url())
with engine.begin() as conn:
    for role, n in (("display", walls), ("supervisor", sups)):
        for i in range(1, n + 1):
            name = f"lt_{role}_{i}"
            if users.get(conn, name):
                users.set_password(conn, name, password, actor="loadtest")
                users.enable(conn, name, actor="loadtest")
            else:
                users.add(conn, name, role, password, display_name=f"压测 {role} {i}", actor="loadtest")
print("accounts ready")
PY

for port in 8601 8602; do
  streamlit run serve.py --server.port "$port" --server.address 127.0.0.1 --server.headless true \
    --browser.gatherUsageStats false > "$WORK/streamlit-$port.log" 2>&1 &
  PIDS+=($!)
done
for port in 8601 8602; do
  for i in $(seq 1 60); do
    curl -fs "http://127.0.0.1:$port/_stcore/health" >/dev/null && break
    sleep 1
  done
done

cp loadtest/nginx.conf "$WORK/nginx.conf"
if [ "$BALANCE" = agent ]; then
  sed -i 's/^\(\s*\)ip_hash;.*$/\1hash "$remote_addr$http_user_agent" consistent;   # sticky per browser (all test clients share 127.0.0.1)/' "$WORK/nginx.conf"
fi
nginx -p "$WORK" -c "$WORK/nginx.conf"
for i in $(seq 1 20); do curl -fs http://127.0.0.1:8600/_stcore/health >/dev/null && break; sleep 0.5; done

NOTE="Machine: $(nproc) CPU, $(free -g | awk '/Mem:/{print $2}') GB RAM; database $(echo "$DB" | sed 's#//[^@]*@#//#'); balance: $BALANCE; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
STREAMLIT_PIDS=$(IFS=,; echo "${PIDS[*]}")
# streamlit's PID here is the python process itself (no wrapper). The browsers stand in for the
# viewers' own PCs: on this one machine they run at a lower priority than the servers, so the
# servers' work is what the page times measure (a starved browser still makes them longer).
timeout $(( ${MINUTES%.*} * 60 + 600 )) nice -n 15 python loadtest/driver.py --minutes "$MINUTES" ${DRIVER_ARGS:-} --walls "$WALLS" \
  --supervisors "$SUPERVISORS" --password "$PASSWORD" --pids "$STREAMLIT_PIDS" --note "$NOTE" \
  --warm http://127.0.0.1:8601,http://127.0.0.1:8602 \
  --base http://127.0.0.1:8600
echo "requests per instance (nginx access log, upstream address):"
awk '{print $3}' "$WORK/access.log" | sort | uniq -c || true
