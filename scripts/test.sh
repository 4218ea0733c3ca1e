#!/usr/bin/env bash
# Installs framecast's distributions (editable) and the dev tools, then runs the linters,
# the type checker and the whole test suite. Works on a fresh machine with Python >= 3.11
# and pip. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# Every distribution: the core, the two first-party provider folders and each plugins/*/
# (the template is a cookiecutter-style copy source, not a distribution to install).
dists=(./core)
for dir in runway_plugin kling_plugin plugins/*/; do
  dir=${dir%/}
  [ "$dir" = plugins/_template ] && continue
  [ -f "$dir/pyproject.toml" ] && dists+=("./$dir")
done
packages=()
for dir in "${dists[@]}"; do packages+=(-e "$dir"); done

"$PYTHON" -m pip install --quiet --disable-pip-version-check "${packages[@]}" -r requirements-dev.txt

# The docs examples run in fresh venvs holding only what each page says to install, built
# offline from this wheelhouse (tests/docs/_venvs.py): a page missing an install step fails.
wheelhouse=$(mktemp -d)
# A throwaway PostgreSQL for the jobs tests (scripts/postgres.sh), stopped at the end.
. scripts/postgres.sh
trap 'stop_postgres; rm -rf "$wheelhouse"' EXIT
start_postgres
wheel_dirs=("${dists[@]}")
"$PYTHON" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$wheelhouse" \
  "${wheel_dirs[@]}" setuptools wheel
for dir in "${wheel_dirs[@]}"; do rm -rf "$dir/build"; done  # setuptools' scratch copies
export FRAMECAST_WHEELHOUSE="$wheelhouse"

echo "== ruff"
"$PYTHON" -m ruff check .
"$PYTHON" -m ruff format --check --quiet .
echo "== mypy"
srcs=()
for dir in "${dists[@]}"; do
  [ -d "$dir/src" ] && srcs+=("$dir/src")
done
"$PYTHON" -m mypy "${srcs[@]}"
echo "== pytest"
"$PYTHON" -m pytest "$@"
# The same suites again with every logger at DEBUG: a test fails if any log record holds a
# fake credential, a bearer header or a JWT (tests/_secret_audit.py). Rendering and docs
# tests log no credentials and are the slow ones, so they are left out of this pass.
echo "== pytest, secret audit"
FRAMECAST_SECRET_AUDIT=1 "$PYTHON" -m pytest -q tests/core tests/runway tests/kling tests/seedance tests/luma tests/google tests/cli \
  tests/reliability
