#!/usr/bin/env bash
# Creates .venv-tf with TensorFlow 2.21 (CPU), the oracle that generates fixtures and judges what this package
# writes. Offline machines: wheels come from the local package index configured for pip (its `files` folders),
# installed with --no-index so pip never waits on an unreachable public index. Prints the venv's python path.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-tf
PY="$VENV/bin/python"
if [ -x "$PY" ] && "$PY" -c 'import tensorflow' >/dev/null 2>&1; then echo "$PY"; exit 0; fi
python3 -m venv "$VENV" >&2
links=()
# Local indexes appear in pip's configuration as file:///…/simple; their wheels sit in the sibling `files` folder.
for url in $(pip config list 2>/dev/null | sed -n "s/.*index-url='\(.*\)'/\1/p" | tr ' ' '\n'); do
  case "$url" in file://*) dir="${url#file://}"; dir="${dir%/simple}/files"; [ -d "$dir" ] && links+=(--find-links "$dir") ;; esac
done
if [ ${#links[@]} -gt 0 ]; then
  "$VENV/bin/pip" install -q --no-index "${links[@]}" tensorflow-cpu==2.21.0 >&2
else
  "$VENV/bin/pip" install -q tensorflow-cpu==2.21.0 >&2
fi
"$PY" -c 'import tensorflow' >&2
echo "$PY"
