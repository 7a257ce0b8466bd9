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
  # PostgreSQL + PostGIS for the team-store tests (they start a throwaway cluster themselves).
  if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then
      echo "setup: installing Debian postgresql and postgis for the PostgreSQL store tests" >&2
      (apt-get update -qq && pg_pkgs="postgresql $(apt-cache search --names-only '^postgresql-[0-9]+-postgis-3$' \
          | awk '{print $1}' | sort -V | tail -1)" \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pg_pkgs >/dev/null) \
        || echo "setup: could not install postgresql/postgis; PostgreSQL store tests will skip (fail under CI=true)" >&2
    else
      echo "setup: PostGIS missing and not root: run 'sudo apt-get install postgresql postgresql-15-postgis-3'" >&2
    fi
  fi
else
  .venv/bin/python -m pip install --quiet -e .
fi
if [ -x scripts/build_web.sh ] && command -v npm >/dev/null 2>&1; then
  scripts/build_web.sh >/dev/null || echo "setup: building the web assets failed; 'frontlines serve' will lack its map" >&2
fi
