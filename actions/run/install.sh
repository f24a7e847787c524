#!/usr/bin/env bash
# Builds the Contractor this action belongs to (the repository two levels up), once per job.
set -euo pipefail
root="$(cd "$GITHUB_ACTION_PATH/../.." && pwd)"
if [ ! -f "$root/dist/src/cli/main.js" ]; then
  (cd "$root" && npm ci --no-fund --no-audit --loglevel=error && npm run --silent build)
fi
