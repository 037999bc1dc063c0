#!/usr/bin/env bash
# Install everything the tests need (the locked Python packages into .venv, Chromium and CJK fonts
# for the browser tests, a running PostgreSQL and MariaDB), check the architecture and the code (import-linter
# layers, ruff, mypy), then run the whole test suite. Any failure fails the script.
# Usage: bash scripts/test.sh [pytest args]   (PYTHON — the interpreter that makes .venv — may be set)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh

ensure_venv requirements-dev.txt

# Chromium drives the browser tests, and without CJK fonts every Chinese glyph is a box in them.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "== installing Chromium and CJK fonts (apt) for the browser tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  fi
fi

# nginx, for the tests of two app instances behind the load-test kit's reverse proxy.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing nginx-light (apt) for the reverse-proxy tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nginx-light >/dev/null
fi

# The single sign-on tests run a real OpenID Connect provider (oidc-provider) under Node.
if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if command -v node >/dev/null 2>&1; then
    # a Node.js from elsewhere (NodeSource's carries its own npm) conflicts with Debian's npm
    echo "== installing npm (apt) for the single sign-on tests' OpenID Connect provider"
    apt-get install -y -qq npm >/dev/null || echo "== could not install npm beside this Node.js: install npm by hand"
  else
    echo "== installing Node.js and npm (apt) for the single sign-on tests' OpenID Connect provider"
    apt-get install -y -qq nodejs npm >/dev/null
  fi
fi
# oidc-provider needs Node.js 20.19 or newer (Debian 12's own is 18): say so rather than fail obscurely
if command -v node >/dev/null 2>&1 && \
   ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "== Node.js $(node --version) is too old for the test OpenID Connect provider (needs 20.19 or newer):"
  echo "   install a newer Node.js (e.g. Debian's backports or NodeSource) or the single sign-on tests will fail"
fi
if command -v npm >/dev/null 2>&1; then
  if [ ! -d tests/support/oidc/node_modules/oidc-provider ] || \
     [ tests/support/oidc/package-lock.json -nt tests/support/oidc/node_modules/.package-lock.json ]; then
    echo "== installing the test OpenID Connect provider (npm ci in tests/support/oidc)"
    (cd tests/support/oidc && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# The PostgreSQL variants of the tests need a local server on 127.0.0.1:5432 that lets the
# `postgres` user (and the user running the tests, whom the default test URL names) in over TCP
# without a password: Debian's postgresql, installed only when missing.
pg_made_here=""
if { ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; } && \
   ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && \
   command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "== installing PostgreSQL (apt) for the PostgreSQL variants of the tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  pg_made_here=1
fi
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    # the package makes a cluster `main` on install; a machine whose install skipped it gets one
    if [ -z "$(ls /etc/postgresql 2>/dev/null)" ] && command -v pg_createcluster >/dev/null 2>&1; then
      echo "== creating the local PostgreSQL cluster"
      pg_createcluster "$(ls /usr/lib/postgresql | sort -V | tail -n 1)" main >/dev/null
      pg_made_here=1
    fi
    echo "== starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi
# a fresh Debian install asks for a password over TCP (scram-sha-256): the tests sign in without one.
# Only a cluster this run installed or created is changed; an existing one is left as it is.
if [ -n "$pg_made_here" ] && command -v psql >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && \
   ! psql -w -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT 1" >/dev/null 2>&1 && \
   command -v runuser >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "== letting local TCP connections to PostgreSQL in without a password (trust on 127.0.0.1 and ::1, tests only)"
  hba=$(runuser -u postgres -- psql -Atc "SHOW hba_file" || true)
  if [ -n "$hba" ]; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    runuser -u postgres -- psql -qAtc "SELECT pg_reload_conf()" >/dev/null || true
  fi
fi
# the default test URL names no user and the database `test`: that user and database must exist
if [ -z "${HOTLINE_TEST_PG_URL:-}" ] && command -v psql >/dev/null 2>&1 && \
   psql -w -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT 1" >/dev/null 2>&1; then
  me=$(id -un)
  if [ "$(psql -w -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT count(*) FROM pg_roles WHERE rolname = '$me'")" = 0 ]; then
    echo "== creating the PostgreSQL role $me that the tests sign in as (tests only)"
    psql -w -h 127.0.0.1 -U postgres -d postgres -qc "CREATE ROLE \"$me\" LOGIN SUPERUSER"
  fi
  if [ "$(psql -w -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = 'test'")" = 0 ]; then
    echo "== creating the PostgreSQL database test that the tests connect to first"
    psql -w -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
  fi
fi

# The data feed's tests read a real MariaDB source on 127.0.0.1:3306 (root, no password; each
# test makes and drops its own database): Debian's mariadb-server, installed only when missing.
if ! command -v mariadb-admin >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "== installing MariaDB (apt) for the data feed's tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq mariadb-server >/dev/null
fi
if command -v mariadb-admin >/dev/null 2>&1 && ! mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
  echo "== starting the local MariaDB server"
  if command -v service >/dev/null 2>&1; then
    service mariadb start >/dev/null 2>&1 || true
  fi
  if ! mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1 && command -v mysqld_safe >/dev/null 2>&1; then
    (mysqld_safe --bind-address=127.0.0.1 >/dev/null 2>&1 &)
  fi
  for _ in $(seq 1 30); do mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1 && break; sleep 1; done
fi
# a fresh Debian install lets root in through the local socket only: the tests sign in over TCP
if command -v mariadb >/dev/null 2>&1 && ! mariadb -h 127.0.0.1 -u root -e "SELECT 1" >/dev/null 2>&1; then
  echo "== letting root sign in to the local MariaDB over TCP without a password (tests only)"
  mariadb -u root -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')" || true
fi

echo "== checks: import layers, lint, types"
"$VENV_PY" -c 'from importlinter.cli import lint_imports_command; lint_imports_command()' --no-cache
"$VENV_PY" -m ruff check .
"$VENV_PY" -m mypy

exec "$VENV_PY" -m pytest -n 2 --dist loadfile -q -p no:cacheprovider "$@"
