#!/usr/bin/env bash
# The offline bundle for intranet servers without internet access:
#   dist/hotline-offline-<version>.tar.gz = the project (without tests and load-test material),
#   wheels/ with every package of requirements.txt for Linux x86_64 and CPython 3.11 and 3.12
#   (Debian 12's and Ubuntu 24.04's Python), the project's own wheel, and install.sh, which
#   installs all of it into .venv beside itself with no network (deploy/README.md).
# Usage: bash scripts/bundle.sh [OUT_DIR]   (default dist/; this machine needs the package index)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
OUT_DIR="${1:-dist}"

ensure_venv requirements.txt
version=$("$VENV_PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
name="hotline-offline-$version"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/wheels" "$stage/built"

echo "== project files"
# Tracked and new (not ignored) files of the working tree: what a clean checkout would hold.
git ls-files -z --cached --others --exclude-standard \
  | grep -zv -E '^(tests|loadtest|benchmarks|\.ci|docs/screenshots)/' \
  | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$root"
cp scripts/offline-install.sh "$root/install.sh"
chmod +x "$root/install.sh"

echo "== wheels of requirements.txt for CPython 3.11 and 3.12, Linux x86_64"
# glibc 2.17 (manylinux2014) up to Debian 12's 2.36; Ubuntu 24.04 has 2.39. pip does not widen a
# manylinux_2_X tag to the older ones by itself.
platforms=()
for minor in $(seq 36 -1 17); do platforms+=(--platform "manylinux_2_${minor}_x86_64"); done
platforms+=(--platform manylinux2014_x86_64 --platform manylinux2010_x86_64 --platform manylinux1_x86_64)
for python in 3.11 3.12; do
  # --no-deps: the lock already names every package; it also lets pip fetch the source of a
  # package that has no wheel (below), which --only-binary would refuse.
  "$VENV_PY" -m pip download --quiet --disable-pip-version-check --no-deps "${platforms[@]}" \
    --python-version "$python" --implementation cp -d "$root/wheels" -r requirements.txt
done

# A package published only as source (its archive hash-checked by the download above) is built
# into a wheel here; it must be pure Python, or it would not install on the other interpreter.
built=()
shopt -s nullglob
for source in "$root"/wheels/*.tar.gz "$root"/wheels/*.zip; do
  "$VENV_PY" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$stage/built" "$source"
  rm "$source"
done
for wheel in "$stage"/built/*.whl; do
  case "$wheel" in
    *-none-any.whl) ;;
    *) echo "bundle: $(basename "$wheel") is not pure Python and has no wheel for CPython 3.11/3.12 x86_64" >&2; exit 1 ;;
  esac
  mv "$wheel" "$root/wheels/"
  built+=("$root/wheels/$(basename "$wheel")")
done

# The bundle's lock: requirements.txt, plus the hash of each wheel built here next to the hashes
# of its published source.
"$VENV_PY" - requirements.txt "$root/requirements.txt" "${built[@]}" <<'EOF'
import hashlib
import re
import sys
from pathlib import Path


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


lock, out, *wheels = sys.argv[1:]
extra = {canonical(Path(w).name.split("-")[0]): hashlib.sha256(Path(w).read_bytes()).hexdigest() for w in wheels}
lines, current = [], None
for line in Path(lock).read_text(encoding="utf-8").splitlines():
    pinned = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line)
    if pinned:
        current = canonical(pinned.group(1))
    last_hash = line.lstrip().startswith("--hash=") and not line.endswith("\\")
    if last_hash and current in extra:
        lines += [line + " \\", f"    --hash=sha256:{extra.pop(current)}"]
    else:
        lines.append(line)
if extra:
    sys.exit(f"bundle: built wheels not in the lock: {sorted(extra)}")
Path(out).write_text("\n".join(lines) + "\n", encoding="utf-8")
EOF

echo "== the project's own wheel"
"$VENV_PY" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$root/wheels" "$root"
rm -rf "$root/build" "$root"/*.egg-info

mkdir -p "$OUT_DIR"
archive="$OUT_DIR/$name.tar.gz"
# The wheels are compressed already: the fastest gzip level costs almost nothing in size.
tar -cf - -C "$stage" "$name" | gzip -1 >"$archive.part"
mv "$archive.part" "$archive"
echo "$archive: $(du -h "$archive" | cut -f1), $(ls "$root/wheels" | wc -l) wheels"
echo "sha256 $(sha256sum "$archive" | cut -d' ' -f1)"
