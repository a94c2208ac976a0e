#!/usr/bin/env bash
# Build the dashboard: npm ci, its tests, npm run build -> frontend/dist (collectstatic picks it up).
# Exits 0 without doing anything when there is no frontend/package.json. Safe to run twice.
# Environment: FRONTEND_TESTS=0 skips the tests (deploy.sh passes what it was given).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
frontend="$here/frontend"

if [ ! -f "$frontend/package.json" ]; then
  echo "No frontend/package.json: no dashboard to build."
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm was not found: install Node.js 20 or newer, or deploy with DEPLOY_FRONTEND=0." >&2
  exit 1
fi

cd "$frontend"
npm ci --no-audit --no-fund
if [ "${FRONTEND_TESTS:-1}" != "0" ]; then
  # CI=true: test runners run once instead of watching.
  CI=true npm run test --if-present
fi
npm run build
if [ ! -f dist/index.html ]; then
  echo "npm run build finished but wrote no frontend/dist/index.html." >&2
  exit 1
fi
echo "Dashboard built into frontend/dist."
