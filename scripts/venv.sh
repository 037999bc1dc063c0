# Sourced by the scripts: the project's own virtual environment `.venv`, made from a Python ≥ 3.11
# ($PYTHON, default python3) and filled from a hash-checked lock. A virtual environment because
# the system Python of Debian 12 and Ubuntu 24.04 refuses `pip install` (PEP 668).
#   source scripts/venv.sh; ensure_venv requirements.txt [pip options]; "$VENV_PY" -m dashboard ...

VENV_DIR="${VENV_DIR:-.venv}"
VENV_PY="$VENV_DIR/bin/python"

# The base interpreter, checked before anything is installed: one line, Chinese and English.
check_python() {
  PY="${PYTHON:-python3}"
  local version
  if ! version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); then
    echo "找不到可运行的 Python（$PY），需要 Python 3.11 或更高版本 / $PY does not run: Python 3.11 or newer is required" >&2
    exit 1
  fi
  if [ "${version%%.*}" -ne 3 ] || [ "${version#*.}" -lt 11 ]; then
    echo "需要 Python 3.11 或更高版本，当前 $PY 为 $version / Python 3.11 or newer is required, $PY is $version" >&2
    exit 1
  fi
}

# Debian and Ubuntu ship venv's pip (ensurepip) in a package of its own.
venv_package() {
  local version real default
  version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  real=$(readlink -f "$(command -v "$PY")")
  default=$(readlink -f /usr/bin/python3 2>/dev/null || true)
  if [ "$real" = "$default" ]; then echo python3-venv; else echo "python$version-venv"; fi
}

ensure_ensurepip() {
  "$PY" -c 'import ensurepip' >/dev/null 2>&1 && return 0
  local package
  package=$(venv_package)
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing $package (venv without pip otherwise)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "$package" >/dev/null
  else
    echo "Python 的 venv 缺少 pip，请先运行 / venv lacks pip, run first: sudo apt-get install -y $package" >&2
    exit 1
  fi
}

# A lock that pins pip itself (the dev lock) gets that pip first: the pip a venv starts with may be
# older than the lock's, and pip before 23.3 refuses a hash-checked lock in which a package asks for
# another with an extra (pip-audit's CacheControl[filecache]) as soon as the index has a newer
# release of it than the lock's.
install_locked_pip() {
  local lock="$1"
  shift
  local pin
  pin=$(awk '/^pip==/ {on=1} on {print; if ($0 !~ /\\$/) exit}' "$lock")
  [ -n "$pin" ] || return 0
  "$VENV_PY" -m pip install --quiet --disable-pip-version-check --require-hashes "$@" -r <(printf '%s\n' "$pin")
}

# Make .venv unless a usable one (Python ≥ 3.11 with pip) is there, then install the lock into it
# once per content of the lock. Further arguments go to pip (the offline bundle's --no-index …).
ensure_venv() {
  local lock="$1"
  shift
  check_python
  if ! "$VENV_PY" -c 'import sys, pip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
    ensure_ensurepip
    rm -rf "$VENV_DIR"
    echo "== creating $VENV_DIR with $PY"
    "$PY" -m venv "$VENV_DIR"
  fi
  local stamp="$VENV_DIR/.installed-$(basename "$lock")"
  local digest
  digest=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    echo "== installing the packages of $lock into $VENV_DIR (hash-checked)"
    install_locked_pip "$lock" "$@"
    "$VENV_PY" -m pip install --quiet --disable-pip-version-check --require-hashes "$@" -r "$lock"
    echo "$digest" >"$stamp"
  fi
}
