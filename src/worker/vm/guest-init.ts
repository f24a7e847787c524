// The guest agent: /init of the initramfs, run by busybox as PID 1 inside the VM.
//
// Trust: everything the guest says is untrusted. The host only takes from it the phase boundaries and
// exit codes (which the build could fake anyway), reads phase output from one port per phase and
// stream, and parses the workspace tar from a raw disk in user space.

export const CONTROL_PORT = 'contractor.ctl';
export const GUEST_PROXY = '10.0.2.100:3128';
export const PROBE_MARKER = 'contractor-probe-ok';

export function outputPort(phase: string, stream: 'stdout' | 'stderr'): string {
  return `contractor.${phase}.${stream === 'stdout' ? 'out' : 'err'}`;
}

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
port() { for p in /sys/class/virtio-ports/*; do [ "$(cat $p/name)" = "$1" ] && echo /dev/${'$'}{p##*/}; done; }
disk() { for b in /sys/block/vd*; do [ "$(cat $b/serial 2>/dev/null)" = "$1" ] && echo /dev/${'$'}{b##*/}; done; }
exec 2>/dev/ttyS0
CTL=$(port ${CONTROL_PORT})
[ -n "$CTL" ] || fail "no control port"
exec 3>"$CTL"
echo up >&3
R=/newroot
mkdir -p $R
mount -t ext4 -o ro,noload $(disk root) $R || fail "cannot mount the root image"
mount -t ext4 -o nosuid,nodev $(disk scratch) $R/workspace || fail "cannot mount the workspace disk"
for d in tmp run var/tmp; do mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs $R/$d; done
mount -t proc proc $R/proc
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm && mount -t devpts devpts $R/dev/pts && mount -t tmpfs tmpfs $R/dev/shm
mkdir -p $R/run/job && tar -x -f $(disk job) -C $R/run/job || fail "cannot read the job"
chown 1000:1000 $R/workspace
cat $(disk input) | chroot $R /usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups tar -x -f - -C /workspace --no-same-owner || fail "cannot unpack the workspace"
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2
ulimit -u $(cat $R/run/job/processes)
for phase in $(cat $R/run/job/phases); do
  echo "phase $phase" >&3
  oom0=$(grep oom_kill /proc/vmstat | cut -d' ' -f2)
  chroot $R /usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups --no-new-privs /bin/sh -c "cd /workspace/src && exec /bin/sh /run/job/$phase.run" > $(port contractor.$phase.out) 2> $(port contractor.$phase.err)
  rc=$?
  oom1=$(grep oom_kill /proc/vmstat | cut -d' ' -f2)
  [ "$oom1" != "$oom0" ] && echo "oom $phase" >&3
  echo "exit $phase $rc" >&3
  [ $rc = 0 ] || break
done
kill -9 -1 2>/dev/null
chroot $R /usr/bin/tar -c -f - -C /workspace . > $(disk output) && sync && echo "output ok" >&3 || echo "output failed" >&3
echo done >&3
sync
poweroff -f
`;
