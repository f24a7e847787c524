#!/usr/bin/env bash
# Prints the key of the action's own build: the same key means the same node_modules and dist.
# Native modules (better-sqlite3) are built for one Node.js ABI and linked against one glibc, so the
# Node.js version and the OS release are in it; the lockfile and the sources decide the rest (a new
# action version with the same lockfile must not reuse an old dist).
set -euo pipefail
root="$(cd "$GITHUB_ACTION_PATH/../.." && pwd)"
os="$(. /etc/os-release && echo "${ID}${VERSION_ID:-}")"
node="$(node -p process.version)"
lock="$(sha256sum < "$root/package-lock.json" | cut -c1-16)"
src="$(
  cd "$root" &&
    find . \( -path ./node_modules -o -path ./dist -o -path ./.git \) -prune -o -type f -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
)"
echo "contractor-build-$os-$(uname -m)-node-$node-lock-$lock-src-$src"
