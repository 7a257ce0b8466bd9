#!/usr/bin/env bash
# README command 1: set up, ingest the bundled DeepState demo data, print a summary, write a chart.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/frontlines demo --out out "$@"
