// The in-sandbox limit watcher's command: the build's process count and whether its disk is full,
// reported as one line `n=<count> d=<"full" or nothing>` about three times a second.
import { BUILD_UID } from './bundle.js';

/** Seconds between reports. */
const TICK_S = 0.3;

/**
 * The old design's watcher: a shell loop that forks ps, wc, df, awk and sleep on every tick. Under
 * the ptrace platform every fork and exec is dear: it took about a third of the sandbox's CPU
 * from a two-core build. Kept so the benchmark can show what the one-process watcher saves.
 */
export function forkingWatcher(diskBytes: number): string[] {
  const limKiB = Math.floor(diskBytes / 1024);
  return [
    '/bin/sh',
    '-c',
    `while :; do n=$(ps -U ${BUILD_UID} -o pid= | wc -l); d=$(df -kP /workspace /tmp | awk -v lim=${limKiB} 'NR>1 {u+=$3; if ($3 >= $2 - 64) f=1} END {if (f || u >= lim - 64) print "full"}'); echo "n=$n d=$d"; sleep ${TICK_S}; done`,
  ];
}

/**
 * The same reports from one Python process that never forks: processes are the /proc entries
 * whose real uid is the build's (as `ps -U`), and a file system is full within 64 KiB of its size
 * (as `df -kP`'s used against its total). "full" once either tmpfs is full or the two together
 * hold the disk limit: each is sized to the whole limit, so alone neither would stop a build
 * holding twice it.
 */
const WATCHER_PY = `
import os, sys, time
uid, lim = sys.argv[1], int(sys.argv[2])
def count():
    n = 0
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            with open('/proc/' + p + '/status') as f:
                for line in f:
                    if line.startswith('Uid:'):
                        n += line.split()[1] == uid
                        break
        except OSError:
            pass
    return n
def full():
    used = 0
    for m in ('/workspace', '/tmp'):
        s = os.statvfs(m)
        total, u = s.f_blocks * s.f_frsize // 1024, (s.f_blocks - s.f_bfree) * s.f_frsize // 1024
        if u >= total - 64:
            return True
        used += u
    return used >= lim - 64
while True:
    print('n=%d d=%s' % (count(), 'full' if full() else ''), flush=True)
    time.sleep(${TICK_S})
`;

export function oneProcessWatcher(diskBytes: number): string[] {
  return [
    '/usr/bin/python3',
    '-I',
    '-S',
    '-c',
    WATCHER_PY,
    String(BUILD_UID),
    String(Math.floor(diskBytes / 1024)),
  ];
}
