// Whether this host can run the namespace driver: the tools, and a tiny user+net+pid namespace with veth, nft and bwrap.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { DriverProbe } from '../driver.js';
import { ownedPrefix } from '../owner-tag.js';
import { createJobCgroup } from './cgroup.js';
import { RLIMIT_MODE_NOTE } from './per-process-limits.js';
import {
  HOST_ROOTS,
  uidMapDenied,
  usernsMessage,
  usernsRestriction,
  type HostRoots,
} from './userns-restriction.js';

const TOOLS: Record<string, string> = {
  bwrap: 'bubblewrap',
  unshare: 'util-linux',
  prlimit: 'util-linux',
  setpriv: 'util-linux',
  nft: 'nftables',
  ip: 'iproute2',
  tar: 'tar',
};

const TRIAL = [
  'ip link add ct0 type veth peer name ct1',
  'nft add table inet contractor_probe',
  'bwrap --unshare-user --unshare-pid --as-pid-1 --disable-userns --die-with-parent --ro-bind / / --proc /proc --dev /dev true',
].join(' && ');

function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', (e) => resolve({ ok: false, out: e.message }));
    child.on('close', (code) => resolve({ ok: code === 0, out: out.trim() }));
  });
}

export async function probeNamespace(roots: HostRoots = HOST_ROOTS): Promise<DriverProbe> {
  const restriction = usernsRestriction(roots);
  if (restriction) return { driver: 'namespace', ok: false, detail: usernsMessage(restriction) };
  const missing: string[] = [];
  for (const [tool, pkg] of Object.entries(TOOLS)) {
    const r = await run('sh', ['-c', `command -v ${tool}`]);
    if (!r.ok) missing.push(`${tool} (apt-get install ${pkg})`);
  }
  if (missing.length)
    return { driver: 'namespace', ok: false, detail: `missing: ${missing.join(', ')}` };
  const r = await run('unshare', [
    '--user',
    '--map-root-user',
    '--net',
    '--ipc',
    '--mount',
    '--pid',
    '--fork',
    // A /proc of the new pid namespace, as the holder has: bubblewrap 0.11 (Debian 13) finds its
    // child's namespaces there, and in the host's /proc that pid does not exist.
    '--mount-proc',
    'sh',
    '-c',
    TRIAL,
  ]);
  if (r.ok)
    return {
      driver: 'namespace',
      ok: true,
      detail: `bubblewrap in a user+net namespace with a veth and nftables trap works; ${await limitMode()}`,
    };
  const last = r.out.split('\n').pop() ?? '';
  if (uidMapDenied(r.out))
    return { driver: 'namespace', ok: false, detail: usernsMessage(undefined) };
  return {
    driver: 'namespace',
    ok: false,
    detail: `unprivileged user namespaces with veth and nftables do not work here (${last}); enable them with sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces>0, and allow bwrap under AppArmor`,
  };
}

/** Whether a job here would be confined by cgroups (the whole job counted) or by rlimits (per process). */
async function limitMode(): Promise<string> {
  const limits = { memoryBytes: 64 * 1024 ** 2, diskBytes: 64 * 1024 ** 2, processes: 16 };
  try {
    const id = ownedPrefix('contractor-probe') + randomBytes(3).toString('hex');
    const cgroup = createJobCgroup(id, {
      ...limits,
      wallMs: 1,
      cpuMs: 1,
      logBytes: 1,
      bandwidthBytesPerSec: 1,
    });
    if (!cgroup) return RLIMIT_MODE_NOTE;
    await cgroup.remove();
    return 'limits are held by cgroups for the job as a whole';
  } catch (e) {
    return `${RLIMIT_MODE_NOTE} (${e instanceof Error ? e.message : String(e)})`;
  }
}
