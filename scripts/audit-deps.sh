#!/usr/bin/env bash
# Dependency audit: fails when a locked requirement has a known vulnerability (pip-audit, PyPI/OSV
# advisories). Where the advisory service cannot be reached, pip-audit can only list the packages it
# could not check; that is printed loudly, and the audit cannot vouch for them.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
# pip-audit is one of the locked dev tools.
( set -e; ensure_venv requirements-dev.txt ) || { echo "dependency audit: could not install pip-audit" >&2; exit 1; }
# The lock pins every transitive package with hashes, so pip-audit reads it as it is instead of
# installing it into a scratch environment to find the dependencies.
out=$("$VENV_PY" -m pip_audit -r requirements.txt --disable-pip --progress-spinner off 2>&1)
code=$?
echo "$out"
if [ $code -ne 0 ] && echo "$out" | grep -qi "known vulnerabilit"; then
  echo "dependency audit: known vulnerabilities found" >&2
  exit 1
fi
if echo "$out" | grep -q "could not be audited"; then
  echo "WARNING: dependency audit incomplete — the advisory service was not reachable from here." >&2
fi
exit 0
