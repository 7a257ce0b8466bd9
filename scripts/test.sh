#!/usr/bin/env bash
# README command 2: set up (with test tools and chromium) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
exec .venv/bin/python -m pytest -n 2 --dist loadfile -q "$@"
