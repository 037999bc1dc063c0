#!/usr/bin/env bash
# Regenerate the two locks from pyproject.toml after a dependency changes there:
#   requirements.txt      the runtime packages, every transitive one pinned, with hashes
#   requirements-dev.txt  the same pins plus the test and check tools (the `dev` extra)
# Never edit them by hand. Existing pins are kept unless `--upgrade` (or `--upgrade-package NAME`)
# is passed through: bash scripts/lock.sh --upgrade-package streamlit
# Run it with the oldest supported Python (3.11), so nothing that only 3.11 needs is left out.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv requirements-dev.txt

export CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh"
# Index and find-links options stay out of the files: each machine's pip configuration decides
# where packages come from, the hashes decide what is accepted.
common=(--quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links)
"$VENV_PY" -m piptools compile "${common[@]}" "$@" --output-file requirements.txt pyproject.toml
# The runtime lock constrains the dev lock, so tests run on exactly the versions that are shipped.
"$VENV_PY" -m piptools compile "${common[@]}" "$@" --extra dev --constraint requirements.txt \
  --output-file requirements-dev.txt pyproject.toml
echo "requirements.txt and requirements-dev.txt regenerated"
