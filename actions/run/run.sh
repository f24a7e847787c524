#!/usr/bin/env bash
# Runs `git contractor run` on the workspace's commit, writes the markdown summary to
# $GITHUB_STEP_SUMMARY, sets the step's outputs, and exits with Contractor's exit code, so the step
# fails on failure (1), violation (3), limit (4) and infrastructure errors (5).
set -uo pipefail
root="$(cd "$GITHUB_ACTION_PATH/../.." && pwd)"
out="${RUNNER_TEMP:-/tmp}/contractor-run"
rm -rf "$out"
args=(run --json --out "$out")
[ -n "${CONTRACTOR_DRIVER:-}" ] && args+=(--driver "$CONTRACTOR_DRIVER")
[ -n "${CONTRACTOR_POLICY:-}" ] && args+=(--policy "$CONTRACTOR_POLICY")
args+=("${CONTRACTOR_REVISION:-HEAD}")
# CONTRACTOR_COMMAND lets the action's own test stand in for the worker; it is not an input.
read -r -a cmd <<< "${CONTRACTOR_COMMAND:-node $root/bin/git-contractor.js}"
"${cmd[@]}" "${args[@]}" > "$out.json"
code=$?
if [ -s "$out.json" ]; then
  node "$GITHUB_ACTION_PATH/step-summary.mjs" "$out.json" >> "${GITHUB_STEP_SUMMARY:-/dev/stdout}"
  status=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).status)' "$out.json")
else
  printf '## contractor: no result (exit %s)\n\nSee the step log.\n' "$code" >> "${GITHUB_STEP_SUMMARY:-/dev/stdout}"
  status=error
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "status=$status"; echo "out-dir=$out"; } >> "$GITHUB_OUTPUT"
fi
exit "$code"
