#!/usr/bin/env bash
# Install everything the tests need from the project's own files, then run the checks.
# Used by the README and by .ci/run; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
# Plugins are installed by pip like any user would, from their own pyproject files.
for plugin in plugins/*/; do
  [ -f "$plugin/pyproject.toml" ] && .venv/bin/python -m pip install -q "$plugin"
done
# A real browser for the HTML report tests (Debian's Chromium; never a downloaded build).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is not installed: browser tests will fail (apt-get install chromium)" >&2
  fi
fi
.venv/bin/ruff check maturity tests plugins benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
