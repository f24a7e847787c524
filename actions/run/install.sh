#!/usr/bin/env bash
# Builds the Contractor this action belongs to (the repository two levels up), unless node_modules
# and dist already hold the build for this key (restored by actions/cache, or left by an earlier step).
set -euo pipefail
root="$(cd "$GITHUB_ACTION_PATH/../.." && pwd)"
key="$(bash "$GITHUB_ACTION_PATH/build-key.sh")"
stamp=.contractor-build-key

# A restore is trusted only whole: both stamps carry this key (written last, after a build that
# succeeded), the CLI is there, and the native module loads under this Node.js.
complete() {
  [ "$(cat "$root/node_modules/$stamp" 2>/dev/null)" = "$key" ] &&
    [ "$(cat "$root/dist/$stamp" 2>/dev/null)" = "$key" ] &&
    [ -f "$root/dist/src/cli/main.js" ] &&
    (cd "$root" && node -e 'new (require("better-sqlite3"))(":memory:").close()') 2>/dev/null
}

if complete; then
  echo "contractor: reusing the build $key"
  exit 0
fi
echo "contractor: building $key"
# tsc never removes what an older source left in dist; npm ci replaces node_modules itself.
rm -rf "$root/dist"
(cd "$root" && npm ci --no-fund --no-audit --loglevel=error && npm run --silent build)
echo "$key" > "$root/node_modules/$stamp"
echo "$key" > "$root/dist/$stamp"
