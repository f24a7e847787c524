// The container engine and its filter in a vm guest (docs/containers.md), started by the agent at
// the start of each phase, inside the phase's cgroup: counted against its limits, killed with it.
import { ENGINE_HOME, ENGINE_SOCKET, ENGINE_UID, FILTER_SOCKET } from '../image/engine-user.js';
import { BUILD_PROXY_URL, JOB_MOUNT } from './guest-init.js';

/**
 * Set last in the build's environment. Testcontainers' reaper (Ryuk) needs the engine's socket bound
 * into a container, which the filter refuses; the job's end removes every container anyway.
 */
export const CONTAINERS_ENV = {
  DOCKER_HOST: `unix://${FILTER_SOCKET}`,
  TESTCONTAINERS_RYUK_DISABLED: 'true',
};

/** What the job disk carries when the spec asks for containers; the agent looks for the first. */
export const CONTAINERS_MARKER = 'containers';
export const FILTER_BUNDLE = 'container-filter.cjs';
export const REGISTRIES_CONF = 'registries.conf';

/** The relay as a container sees it: slirp4netns's gateway is the guest's loopback. */
const CONTAINER_PROXY_URL = BUILD_PROXY_URL.replace('127.0.0.1', '10.0.2.2');
const CONTAINER_PROXY_ENV = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']
  .map((k) => `"${k}=${CONTAINER_PROXY_URL}"`)
  .concat(['"NO_PROXY=localhost,127.0.0.1"', '"no_proxy=localhost,127.0.0.1"'])
  .join(', ');

/**
 * cgroups disabled: every container process stays in the phase's cgroup (HardRAMLimit, HardCPULimit,
 * processes); pids_limit 0 since no cgroup could hold one. A container's network is slirp4netns: its
 * own stack, its published ports on the guest's loopback (the filter sees to that). Its way out
 * is the job's proxy, like the build's: the guest's loopback is 10.0.2.2 to it (where the relay
 * listens, and the job's own published ports; nothing else listens on TCP there), and the proxy
 * variables name it (the engine's own, 127.0.0.1, would be the container's loopback). Whatever
 * else it sends leaves the guest, where QEMU's restrict=on drops it and the host's capture records it.
 * userns nomap: a container's ids are the engine's subordinate ids only, never the engine's own
 * uid, which could talk to the engine past the filter (the filter refuses any other UsernsMode).
 */
export const ENGINE_CONTAINERS_CONF = `[containers]
cgroups = "disabled"
userns = "nomap"
pids_limit = 0
netns = "slirp4netns"
log_driver = "k8s-file"
http_proxy = false
env = [${CONTAINER_PROXY_ENV}]
[engine]
network_cmd_options = ["allow_host_loopback=true", "enable_ipv6=false"]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "crun"
`;

/** vfs on the scratch disk (HardDiskLimit); the build's /dev has no fuse for fuse-overlayfs. */
export const ENGINE_STORAGE_CONF = `[storage]
driver = "vfs"
graphroot = "${ENGINE_HOME}/storage"
runroot = "${ENGINE_HOME}/run/storage"
rootless_storage_path = "${ENGINE_HOME}/storage"
`;

/** How long TCG may take to bring Podman and node up before the phase fails. */
const START_TENTHS = 1800;

/**
 * Run by the agent as root, outside the chroot, with the phase's output as stdout and stderr and
 * the control port on fd 3: `sh /engine.sh ROOT`. Only the filter's refusals reach fd 3, each as
 * a `container DETAIL` line the host reads as a violation; the engine and node never hold it.
 * `sh /engine.sh ROOT podman` is the engine itself, run in a mount namespace of its own.
 */
export const GUEST_ENGINE = String.raw`R=$1 E=${ENGINE_HOME} U=${ENGINE_UID}
as_engine() {
  chroot $R /usr/bin/setpriv --reuid=$U --regid=$U --clear-groups /usr/bin/env -i \
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=$E/home XDG_RUNTIME_DIR=$E/run \
    CONTAINERS_CONF=${JOB_MOUNT}/containers.conf CONTAINERS_STORAGE_CONF=${JOB_MOUNT}/storage.conf \
    CONTAINERS_REGISTRIES_CONF=${JOB_MOUNT}/${REGISTRIES_CONF} \
    HTTP_PROXY=${BUILD_PROXY_URL} HTTPS_PROXY=${BUILD_PROXY_URL} NO_PROXY=localhost,127.0.0.1 "$@"
}
if [ "$2" = podman ]; then
  # Podman reads /sys/fs/cgroup even with cgroups disabled: sysfs and cgroup2 are mounted here,
  # in the engine's own mount namespace, never in the build's chroot (which has no /sys).
  mount -t sysfs -o ro,nosuid,nodev,noexec sys $R/sys && mount -t cgroup2 -o ro,nosuid,nodev,noexec none $R/sys/fs/cgroup || exit 1
  # slirp4netns needs /dev/net/tun: only in this namespace, never in the build's /dev.
  mount -t tmpfs -o nosuid,mode=755,size=4k tmpfs $R/dev/net && mknod -m 666 $R/dev/net/tun c 10 200 || exit 1
  # slirp4netns's sandbox needs a /run, which the image leaves out (the build sees none): the engine
  # gets a root of its own, a tmpfs holding each entry of the image's (bound, with what is mounted
  # beneath it) and an empty /run.
  N=/engine-root
  mkdir -p $N && mount -t tmpfs -o mode=755 tmpfs $N && mkdir -m 755 $N/run || exit 1
  for p in $R/*; do
    n=$${'{'}p##*/}
    if [ -L $p ]; then ln -s "$(readlink $p)" $N/$n || exit 1
    elif [ -d $p ]; then mkdir $N/$n && mount --rbind $p $N/$n || exit 1; fi
  done
  # The kernel refuses a user namespace to a chrooted process: the root is moved over / (as
  # switch_root does), which no longer counts as a chroot. Only in this mount namespace.
  cd $N && mount --move . / || exit 1
  R=.
  as_engine /usr/bin/podman system service --time=0 unix://${ENGINE_SOCKET}
  exit
fi
for d in run home storage sock; do
  # A link the engine's user left in an earlier phase must not steer root's chown and chmod.
  [ -L $R$E/$d ] && rm -f $R$E/$d
  mkdir -p $R$E/$d && chown -h $U:$U $R$E/$d || exit 1
done
chmod 700 $R$E/run $R$E/home $R$E/storage && chmod 755 $R$E/sock || exit 1
# The last phase's engine was killed: its runtime state must read as a fresh boot, not as live.
rm -rf $R$E/run/* $R${FILTER_SOCKET}
unshare -m sh /engine.sh $R podman 3>&- </dev/null >/dev/ttyS0 2>&1 &
( as_engine /usr/local/bin/node ${JOB_MOUNT}/${FILTER_BUNDLE} ${ENGINE_SOCKET} /workspace ${FILTER_SOCKET} $E/home/objects.json 3>&- </dev/null 2>/dev/ttyS0 |
  while IFS= read -r line; do printf 'container %s\n' "$line" >&3; done ) >/dev/null 2>&1 &
i=0
while [ ! -S $R${ENGINE_SOCKET} ] || [ ! -S $R${FILTER_SOCKET} ]; do
  i=$((i + 1))
  [ $i -gt ${START_TENTHS} ] && { echo "contractor: the container engine did not start in ${START_TENTHS / 10} s" >&2; exit 1; }
  sleep 0.1
done
`;
