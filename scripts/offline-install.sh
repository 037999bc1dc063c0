#!/usr/bin/env bash
# install.sh of the offline bundle (made by scripts/bundle.sh): installs the bundle into .venv
# beside this file with no network at all — every package comes from wheels/ and is checked
# against the hashes in requirements.txt.
# Usage: bash install.sh   (PYTHON=python3.12 picks the interpreter; wheels are here for 3.11 and 3.12)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh

check_python
version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case "$version" in
  3.11 | 3.12) ;;
  *) echo "离线包只含 Python 3.11 与 3.12 的安装包，当前 $PY 为 $version / this bundle has wheels for Python 3.11 and 3.12 only, $PY is $version" >&2
     exit 1 ;;
esac
if [ "$(uname -m)" != x86_64 ]; then
  echo "离线包只适用于 x86_64 / this bundle is for x86_64 only, this machine is $(uname -m)" >&2
  exit 1
fi

ensure_venv requirements.txt --no-index --find-links wheels
project=(wheels/hotline_dashboard-*.whl)
"$VENV_PY" -m pip install --quiet --disable-pip-version-check --no-index --no-deps --force-reinstall "${project[@]}"

echo "已安装 / installed into $(pwd)/.venv. Next:"
echo "  .venv/bin/python -m dashboard init-db        # HOTLINE_DB_URL selects the database (deploy/hotline.env.example)"
echo "  .venv/bin/python -m dashboard demo --days 7  # demo data only; never on a production database"
echo "  .venv/bin/python -m streamlit run serve.py --server.port 8501"
echo "Service units, nginx and PostgreSQL: deploy/README.md"
