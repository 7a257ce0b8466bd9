#!/usr/bin/env bash
# Set up frontlines on a fresh machine: a virtualenv in .venv with the package installed.
#   scripts/setup.sh          runtime only (what the demo needs)
#   scripts/setup.sh --dev    + test tools, Debian chromium (browser tests) and the web assets (npm)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
if [ "${1:-}" = "--dev" ]; then
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = "0" ]; then
      echo "setup: installing Debian chromium for the browser tests" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
        || echo "setup: could not install chromium; browser tests will skip (fail under CI=true)" >&2
    else
      echo "setup: /usr/bin/chromium missing and not root: run 'sudo apt-get install chromium'" >&2
    fi
  fi
else
  .venv/bin/python -m pip install --quiet -e .
fi
if [ -x scripts/build_web.sh ] && command -v npm >/dev/null 2>&1; then
  scripts/build_web.sh >/dev/null || echo "setup: building the web assets failed; 'frontlines serve' will lack its map" >&2
fi
