#!/usr/bin/env bash
# Install the dashboard's and the API docs' browser libraries from npm and copy the files the app serves
# into src/frontlines/web/static/vendor/ (git-ignored: this script recreates it).
# Needs node >= 18 and npm. Run from anywhere; idempotent. Offline after it ran once.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEB="$ROOT/web"
VENDOR="$ROOT/src/frontlines/web/static/vendor"

cd "$WEB"
npm ci --no-audit --no-fund --loglevel=error

rm -rf "$VENDOR/leaflet"
mkdir -p "$VENDOR/leaflet/images"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$VENDOR/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$VENDOR/leaflet/images/"
cp node_modules/leaflet/LICENSE "$VENDOR/leaflet/LICENSE" 2>/dev/null || true
# API docs (/docs and /redoc), served locally so the server works offline under its CSP.
rm -rf "$VENDOR/swagger-ui" "$VENDOR/redoc"
mkdir -p "$VENDOR/swagger-ui" "$VENDOR/redoc"
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
   node_modules/swagger-ui-dist/LICENSE node_modules/swagger-ui-dist/NOTICE "$VENDOR/swagger-ui/"
cp node_modules/redoc/bundles/redoc.standalone.js node_modules/redoc/bundles/redoc.standalone.js.LICENSE.txt \
   "$VENDOR/redoc/"
cp node_modules/redoc/LICENSE "$VENDOR/redoc/LICENSE" 2>/dev/null || true
printf '*\n!.gitignore\n' > "$VENDOR/.gitignore"
echo "vendor files in $VENDOR:"
(cd "$VENDOR" && find . -type f ! -name .gitignore | sort)
