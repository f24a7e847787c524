#!/usr/bin/env bash
# Ubuntu 24.04 runners let no unconfined program make an unprivileged user namespace (bwrap then
# fails with `setting up uid map: Permission denied`). Rather than switch that off for every
# program, the namespace driver's two, bwrap and unshare, get their per-application profiles.
set -euo pipefail
sysctl_root=${CONTRACTOR_SYSCTL_ROOT:-/proc/sys}
profiles=${CONTRACTOR_APPARMOR_DIR:-/etc/apparmor.d}
[ "$(cat "$sysctl_root/kernel/apparmor_restrict_unprivileged_userns" 2>/dev/null)" = 1 ] || exit 0
src=$GITHUB_ACTION_PATH/../../apparmor
sudo install -m 644 "$src/bwrap" "$src/unshare" "$profiles/"
sudo apparmor_parser -r "$profiles/bwrap" "$profiles/unshare"
echo "AppArmor: bwrap and unshare may make user namespaces"
