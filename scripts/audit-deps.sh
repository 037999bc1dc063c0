#!/usr/bin/env bash
# Dependency audit: fails when a pinned requirement has a known vulnerability (pip-audit, PyPI/OSV
# advisories). Where the advisory service cannot be reached, pip-audit can only list the packages it
# could not check; that is printed loudly, and the audit cannot vouch for them.
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check pip-audit==2.10.1 >/dev/null 2>&1 || {
  echo "dependency audit: could not install pip-audit" >&2; exit 1; }
out=$(python3 -m pip_audit -r requirements.txt --progress-spinner off 2>&1)
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
