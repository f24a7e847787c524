// The guest agent: /init of the initramfs, run by busybox as PID 1 inside the VM.
//
// Trust: everything the guest says is untrusted. The host takes from it only phase boundaries, exit
// codes and which limit a phase hit (all of which the build could fake, to its own loss); the hard
// caps (-m, -smp, disk sizes, wall time, log size, QEMU's CPU) are enforced on the host.
import { ENGINE_HOME } from '../image/engine-user.js';

export const CONTROL_PORT = 'contractor.ctl';
/** Where QEMU's guestfwd leads to the job's proxy; the build itself uses the relay on 127.0.0.1:3128. */
export const GUEST_PROXY = '10.0.2.100:3128';
export const BUILD_PROXY_URL = 'http://127.0.0.1:3128';
export const PROBE_MARKER = 'contractor-probe-ok';
/** The job's scripts inside the guest: a read-only tmpfs on the image's empty /mnt. */
export const JOB_MOUNT = '/mnt';

export function outputPort(phase: string, stream: 'stdout' | 'stderr'): string {
  return `contractor.${phase}.${stream === 'stdout' ? 'out' : 'err'}`;
}

/** The same proxy address in every tier: a root relay in the guest the build cannot signal. */
export const GUEST_RELAY = `import os, socket, threading
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError: pass
    finally:
        try: b.shutdown(socket.SHUT_WR)
        except OSError: pass
def serve(c):
    try: u = socket.create_connection(('${GUEST_PROXY.split(':')[0]}', ${GUEST_PROXY.split(':')[1]}))
    except OSError: return c.close()
    threading.Thread(target=pipe, args=(c, u), daemon=True).start(); pipe(u, c)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 3128)); s.listen(128)
os.write(6, b'listening\\n'); os.close(6)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
`;

/** The MAC slirp answers for its gateway (52:55 and 10.0.2.2). */
const GATEWAY_MAC = '52:55:0a:00:02:02';

/**
 * A permanent neighbour entry for the IPv6 gateway, over netlink (busybox's ip cannot add one): with
 * IPv6 off on slirp no one answers neighbour discovery, and without an entry the build's IPv6 packets
 * would wait for an answer and never leave the guest, so the host's capture would not see them.
 */
export const GUEST_NEIGHBOUR = `import socket, struct
def attr(kind, data):
    return struct.pack('=HH', 4 + len(data), kind) + data + bytes(-len(data) % 4)
# struct ndmsg: AF_INET6, eth0, NUD_PERMANENT, no flags, RTN_UNICAST; then NDA_DST and NDA_LLADDR.
body = struct.pack('=BxxxiHBB', socket.AF_INET6, socket.if_nametoindex('eth0'), 0x80, 0, 1)
body += attr(1, socket.inet_pton(socket.AF_INET6, 'fec0::2'))
body += attr(2, bytes.fromhex('${GATEWAY_MAC.replace(/:/g, '')}'))
# RTM_NEWNEIGH with NLM_F_REQUEST, NLM_F_ACK, NLM_F_CREATE and NLM_F_REPLACE.
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.sendto(struct.pack('=IHHII', 16 + len(body), 28, 0x505, 1, 0) + body, (0, 0))
err = struct.unpack_from('=i', s.recv(4096), 16)[0]
if err: raise OSError(-err, 'cannot add the IPv6 gateway as a neighbour')
`;

/**
 * VmSnapshot: siblings restored from one saved guest share its random pool and its clock. The host's
 * random bytes are credited to the pool and the kernel's generator is rekeyed from it at once
 * (RNDADDENTROPY, then RNDRESEEDCRNG), and the clock is set to the host's. It starts before the
 * guest is saved and waits on fd 4 for the seed and the time, answering on fd 5: a Python started
 * after the restore cost about two seconds of TCG.
 */
export const GUEST_RESEED = `import fcntl, os, struct, time
os.write(5, b'waiting\\n')
line = b''
while not line.endswith(b'\\n'):
    chunk = os.read(4, 512)
    if not chunk: raise SystemExit('no seed')
    line += chunk
hexseed, now = line.decode().split()
seed = bytes.fromhex(hexseed)
fd = os.open('/dev/urandom', os.O_WRONLY)
fcntl.ioctl(fd, 0x40085203, struct.pack('ii', len(seed) * 8, len(seed)) + seed)
fcntl.ioctl(fd, 0x5207)
time.clock_settime(time.CLOCK_REALTIME, int(now) / 1000)
os.write(5, b'ok\\n')
`;

export const GUEST_INIT = String.raw`#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /usr/bin /sbin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod /mod/$m.ko; done
if grep -q contractor.probe /proc/cmdline; then echo ${PROBE_MARKER} > /dev/ttyS0; poweroff -f; fi
fail() { echo "contractor-agent: $*" > /dev/ttyS0; [ -n "$CTL" ] && echo "error $*" >&3; sync; poweroff -f; }
# Ports and disks by name, mapped once (again only for a name not seen yet): a scan costs a cat per
# device, and a job's start looked names up dozens of times, each exec slow under TCG.
devmap() { mkdir -p /by/$1; for x in $2; do n=$(cat $x/$3 2>/dev/null) && [ -n "$n" ] && ln -sfn /dev/${'$'}{x##*/} /by/$1/$n; done; }
port() { [ -e /by/port/$1 ] || devmap port "/sys/class/virtio-ports/*" name; [ -e /by/port/$1 ] && echo /by/port/$1; }
disk() { [ -e /by/disk/$1 ] || devmap disk "/sys/block/vd*" serial; [ -e /by/disk/$1 ] && echo /by/disk/$1; }
exec 2>/dev/ttyS0
grep -q contractor.debug /proc/cmdline && set -x
CTL=$(port ${CONTROL_PORT})
[ -n "$CTL" ] || fail "no control port"
exec 3<>"$CTL"
echo up >&3
R=/newroot J=/newroot${JOB_MOUNT}
mkdir -p $R
mount -t ext4 -o ro,noload $(disk root) $R || fail "cannot mount the root image"
# HostProtection: the build's /dev holds the harmless nodes only, never the guest's disks or ports.
mount -t tmpfs -o nosuid,mode=755,size=1m tmpfs $R/dev
mknod -m 666 $R/dev/null c 1 3; mknod -m 666 $R/dev/zero c 1 5; mknod -m 666 $R/dev/full c 1 7
mknod -m 666 $R/dev/random c 1 8; mknod -m 666 $R/dev/urandom c 1 9; mknod -m 666 $R/dev/tty c 5 0
ln -s /proc/self/fd $R/dev/fd; ln -s fd/0 $R/dev/stdin; ln -s fd/1 $R/dev/stdout; ln -s fd/2 $R/dev/stderr
mkdir -p $R/dev/pts $R/dev/shm && mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts && ln -s pts/ptmx $R/dev/ptmx
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs $R/dev/shm
# Empty here: only the container engine's own mount namespace puts /dev/net/tun in it (engine.sh).
mkdir -p $R/dev/net
mount -o remount,ro $R/dev
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs $R/var/tmp
mount -t proc proc $R/proc
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2
# IPv6 is off on the host's side, but the guest keeps a route and a gateway whose address needs no
# discovery: an IPv6 attempt then leaves the guest, where the host's capture records it, and goes no further.
# Busybox's ip has no nodad: turn duplicate address detection off so the address works at once.
echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad
ip -6 addr add fec0::15/64 dev eth0 && ip -6 route add default via fec0::2 || fail "cannot set up IPv6"
chroot $R /usr/bin/python3 -I -S -c "$(cat /neighbour.py)" 3>&- </dev/null || fail "cannot set up IPv6"
# Nothing answers an attempt that is not the proxy's: a SYN sent once more fails in 3 s, not 127.
echo 1 > /proc/sys/net/ipv4/tcp_syn_retries
# The relay says when it listens (fd 6): a guest saved before that would start it again in each job.
mkfifo -m 600 /relay.ready
chroot $R /usr/bin/python3 -I -S -c "$(cat /relay.py)" 3>&- 6<>/relay.ready </dev/null >/dev/null 2>&1 &
C=/sys/fs/cgroup
mount -t cgroup2 none $C && echo "+cpu +memory +pids" > $C/cgroup.subtree_control || fail "no cgroup v2"
# The reseeder waits, started and warm, on two FIFOs (opened read-write: that open never blocks).
mkfifo -m 600 /reseed.in /reseed.out
chroot $R /usr/bin/python3 -I -S -c "$(cat /reseed.py)" 3>&- 4<>/reseed.in 5<>/reseed.out </dev/null >/dev/null &
# Saved only once both have started: what they still had to do would be done again by every job.
read -r relay < /relay.ready; [ "$relay" = listening ] || fail "the proxy relay did not start"
read -r reseeder < /reseed.out; [ "$reseeder" = waiting ] || fail "the reseeder did not start"
devmap port "/sys/class/virtio-ports/*" name; devmap disk "/sys/block/vd*" serial
# VmSnapshot: the host may save the guest here, before anything that belongs to one job, and start
# many jobs from it; all that makes a guest one of a kind comes after, from the host's start line.
echo ready >&3
read -r word SEED NOW NAME MID <&3
[ "$word" = go ] || fail "no start line from the host"
# Neither open blocks: the reseeder holds both FIFOs open, for reading and for writing.
echo "$SEED $NOW" > /reseed.in
read -r -t 60 reseeded < /reseed.out
[ "$reseeded" = ok ] || fail "cannot reseed the guest"
hostname "$NAME"
echo "$NAME" > /hostname && mount --bind /hostname $R/etc/hostname
[ -e $R/etc/machine-id ] && echo "$MID" > /machine-id && mount --bind /machine-id $R/etc/machine-id
# A restored guest read these disks' first blocks when it was saved: forget them, they are another job's.
for d in job input scratch output; do blockdev --flushbufs $(disk $d); done
echo started >&3
mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs $J && tar -x -f $(disk job) -C $J && mount -o remount,ro $J || fail "cannot read the job"
if [ -e $J/containers ]; then
  # The container engine's storage shares the workspace disk (HardDiskLimit) but not /workspace,
  # so the archive of /workspace never carries it.
  mkdir -p /scratch && mount -t ext4 -o nosuid,nodev $(disk scratch) /scratch && mkdir -p /scratch/workspace /scratch/engine &&
    mount --bind /scratch/workspace $R/workspace && mount --bind /scratch/engine $R${ENGINE_HOME} &&
    chmod 711 /scratch/engine || fail "cannot mount the workspace disk"
else
  mount -t ext4 -o nosuid,nodev $(disk scratch) $R/workspace || fail "cannot mount the workspace disk"
fi
DISK=$(cat $J/disk)
# HardDiskLimit: /tmp, /var/tmp and /dev/shm are each as big as the workspace disk, no bigger,
# and all four are counted together below (left at half the guest's memory, two were uncounted).
mount -t tmpfs -o nosuid,nodev,mode=1777,size=$DISK tmpfs $R/tmp
mount -o remount,size=$DISK $R/var/tmp && mount -o remount,size=$DISK $R/dev/shm || fail "cannot size /var/tmp and /dev/shm"
chown 1000:1000 $R/workspace
cat $(disk input) | chroot $R /usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups tar -x -f - --ignore-zeros -C /workspace --no-same-owner || fail "cannot unpack the workspace"
# HardRAMLimit, HardCPULimit, processes: each phase runs in its own cgroup, watched by this agent.
# The watcher polls beside the build, on its vCPU: shell builtins only (sed, grep and sleep are each
# an exec, slow under TCG), and the disks' df once a second.
mkfifo -m 600 /nap
nap() { read -t $1 _ <> /nap; }
field() { V=0; while read -r k v; do [ "$k" = "$2" ] && V=$v; done < $1; }
usage() { field $C/job/cpu.stat usage_usec; echo $V; }
read -r CPU_MS < $J/cpu_ms
cgroup_hit() {
  field $C/job/cpu.stat usage_usec; [ "$V" -gt $(( CPU_MS * 1000 )) ] && { echo cpu; return 0; }
  field $C/job/memory.events oom_kill; [ "$V" -gt 0 ] && { echo memory; return 0; }
  field $C/job/pids.events max; [ "$V" -gt 0 ] && { echo processes; return 0; }
  return 1
}
# Either disk full, or all together at the limit: each is the limit's size on its own.
disk_hit() {
  df -kP $R/workspace $R/tmp $R/var/tmp $R/dev/shm | awk -v lim=$(( DISK / 1024 )) 'NR>1 {u+=$3; if ($4 <= 64) f=1} END {exit !(f || u >= lim - 64)}' && echo disk
}
watch() {
  # The phase's exit status file marks its end (busybox reaps children early, so PIDs are no guide).
  n=0
  while [ ! -e $1 ]; do
    cgroup_hit && return
    n=$(( n + 1 )); [ $(( n % 5 )) = 0 ] && disk_hit && return
    nap 0.2
  done
  # A limit that killed the phase (the OOM killer, say) is still named.
  cgroup_hit || disk_hit
}
for phase in $(cat $J/phases); do
  echo "phase $phase" >&3
  rmdir $C/job 2>/dev/null; mkdir $C/job
  echo $(cat $J/processes) > $C/job/pids.max
  echo $(cat $J/memory) > $C/job/memory.max
  echo 0 > $C/job/memory.swap.max 2>/dev/null
  # With containers, the engine and its filter start first, in the phase's cgroup; only they keep fd 3.
  # The phase's .run (root's, read-only) is sourced, not run by a second shell: one exec less under TCG.
  ( sh -c "echo \$\$ > $C/job/cgroup.procs; [ ! -e $J/containers ] || sh /engine.sh $R || exit 125; exec 3>&-; exec chroot $R /usr/bin/unshare --pid --fork --mount --mount-proc /usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups --no-new-privs /bin/sh -c 'cd /workspace/src && . ${JOB_MOUNT}/$phase.run'" </dev/null > $(port contractor.$phase.out) 2> $(port contractor.$phase.err); echo $? > /rc.$phase ) &
  hit=$(watch /rc.$phase)
  [ -n "$hit" ] && echo 1 > $C/job/cgroup.kill
  while [ ! -s /rc.$phase ]; do nap 0.1; done
  rc=$(cat /rc.$phase)
  echo 1 > $C/job/cgroup.kill
  [ -n "$hit" ] && echo "limit $phase $hit" >&3
  echo "exit $phase $rc $(( $(usage) / 1000 )) $(cat $C/job/memory.peak 2>/dev/null || echo 0)" >&3
  [ $rc = 0 ] && [ -z "$hit" ] || break
done
kill -9 -1 2>/dev/null
# The host is told why an archive is missing, never left to find it absent: tar's last words go with it.
OUT=$(disk output)
if [ -z "$OUT" ]; then
  echo "output failed no output disk" >&3
elif chroot $R /usr/bin/tar -c -f - -C /workspace . 2>/tar.err > $OUT && sync; then
  echo "output ok" >&3
else
  echo "output failed $(tail -c 300 /tar.err | tr '\n' ' ')" >&3
fi
echo done >&3
sync
poweroff -f
`;
