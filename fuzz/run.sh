#!/usr/bin/env bash
# Fuzz every loader for a set time (default 120 s each, 16 minutes in all), outside CI.
#   bash fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# Corpora grow in fuzz/corpora/<target>/ (not committed); crashes land in fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
SECONDS_PER_TARGET=${1:-120}
shift || true
TARGETS=${*:-toml json yaml xlsx sheet pack profile waivers record}
mkdir -p fuzz/findings
for target in $TARGETS; do
  corpus=fuzz/corpora/$target
  [ -d "$corpus" ] || "$PY" fuzz/fuzz_loaders.py --seed "$target" "$corpus"
  max_len=16384
  [ "$target" = xlsx ] && max_len=65536
  echo "== $target: $SECONDS_PER_TARGET s, corpus $(ls "$corpus" | wc -l) files"
  "$PY" fuzz/fuzz_loaders.py "$target" "$corpus" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$max_len" -print_final_stats=1 \
    -artifact_prefix="fuzz/findings/$target-" 2>&1 | tail -n 25
done
