// VmSnapshot: a worker image's guest booted once up to its agent's start line, saved to a file,
// and restored for each job with that job's disks behind the same devices.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ContractorError } from '../../errors.js';
import { imagePaths } from '../image/image-paths.js';
import { CONTROL_PORT, outputPort } from './guest-init.js';
import { listenOnce, type PortListener } from './port-listener.js';
import { saveOverQmp } from './qmp.js';
import { ALL_PHASES, qemuArgs, type VmFiles, type VmShape } from './qemu-args.js';

const run = promisify(execFile);
/**
 * The saved guest sizes its job disks once, at probe: each is as big as any job's may be. A job's
 * smaller file is safe behind it, since QEMU fails any request past the end of the file.
 */
const SAVED_DISK_BYTES = 2 ** 40;
const SAVE_TIMEOUT_MS = 180_000;
/** Part of every key: a state saved another way is never loaded as this one. */
const SNAPSHOT_FORMAT = 'devices-only state, RAM in its own file';

export interface GuestBoot {
  image: string;
  vmlinuz: string;
  initrd: string;
  rootfs: string;
}

/** A restore that never reached the guest's start line: the job boots cold instead. */
export class RestoreFailed extends ContractorError {
  constructor(why: string) {
    super('INFRASTRUCTURE', `the saved guest could not be restored (${why}); booting cold`);
    this.name = 'RestoreFailed';
  }
}

/** On by default (the vm suite passes with it); CONTRACTOR_VM_SNAPSHOT=off boots every job. */
export function snapshotsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CONTRACTOR_VM_SNAPSHOT !== 'off';
}

/** Keys that failed in this process: a broken QEMU is not retried for every job. */
const failed = new Set<string>();

/**
 * The saved guest for this image and shape, saved now if there is none; undefined (after saying
 * why through `log`) when it cannot be, and the job then boots cold.
 */
export async function savedGuest(
  boot: GuestBoot,
  shape: VmShape,
  log: (line: string) => void,
): Promise<string | undefined> {
  const key = await snapshotKey(boot, shape);
  if (failed.has(key)) return undefined;
  const path = join(imagePaths(boot.image).dir, 'snapshots', `${key}.vmstate`);
  const all = await Promise.all(
    [path, savedRam(path), savedClock(path)].map((p) => stat(p).catch(() => undefined)),
  );
  if (all.every(Boolean)) return path;
  try {
    await saveGuest(boot, shape, path);
    return path;
  } catch (err) {
    failed.add(key);
    log(`vm: cannot save a guest to start jobs from (${(err as Error).message}); booting cold`);
    return undefined;
  }
}

/** The saved guest's RAM, beside its device state: each restore maps it privately. */
export function savedRam(statePath: string): string {
  return statePath.replace(/\.vmstate$/, '.ram');
}

/** How long the saved guest had run (ms), beside its state. */
function savedClock(statePath: string): string {
  return statePath.replace(/\.vmstate$/, '.clock');
}

/**
 * QEMU stamps each captured packet with its start time plus the guest's virtual clock, and a
 * restored guest's clock goes on from where the saved one stopped: the capture reads that much
 * late, and setup's attempts would be put in build. Known to within QEMU's start-up time, as a
 * cold boot's stamps are (their start time is whole seconds).
 */
export async function savedClockMs(statePath: string): Promise<number> {
  const ms = Number(await readFile(savedClock(statePath), 'utf8').catch(() => 'NaN'));
  return Number.isFinite(ms) && ms >= 0 ? ms : 0;
}

/** A restore failed: its state is removed, so the next job saves a fresh one. */
export async function forgetSavedGuest(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(savedRam(path), { force: true });
  await rm(savedClock(path), { force: true });
}

/** Everything the saved state depends on: QEMU, the kernel, the agent, the image and the devices. */
async function snapshotKey(boot: GuestBoot, shape: VmShape): Promise<string> {
  const { stdout } = await run('qemu-system-x86_64', ['--version']);
  const id = async (p: string): Promise<string> => {
    const s = await stat(p);
    return `${p} ${s.size} ${s.mtimeMs} ${s.ino}`;
  };
  const args = qemuArgs(templateFiles(boot, '/w'), shape);
  return createHash('sha256')
    .update(SNAPSHOT_FORMAT)
    .update(stdout)
    .update(await id(boot.vmlinuz))
    .update(await id(boot.rootfs))
    .update(boot.initrd)
    .update(JSON.stringify(args))
    .digest('hex')
    .slice(0, 32);
}

function templateFiles(boot: GuestBoot, work: string): VmFiles {
  const f = (n: string): string => join(work, n);
  const sockets: Record<string, string> = {
    console: f('sock/console'),
    [CONTROL_PORT]: f('sock/ctl'),
  };
  for (const p of ALL_PHASES)
    for (const s of ['stdout', 'stderr'] as const) sockets[outputPort(p, s)] = f(`sock/${p}-${s}`);
  return {
    vmlinuz: boot.vmlinuz,
    initrd: boot.initrd,
    rootfs: boot.rootfs,
    job: f('job.tar'),
    input: f('input.tar'),
    scratch: f('scratch.ext4'),
    output: f('output.tar'),
    pcap: f('net.pcap'),
    sockets,
    proxySocket: f('sock/egress'),
  };
}

/** Boots the guest with empty disks until the agent says it is ready, and saves it there. */
async function saveGuest(boot: GuestBoot, shape: VmShape, path: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'contractor-vm-save-'));
  const listeners: PortListener[] = [];
  let qemu: ReturnType<typeof spawn> | undefined;
  try {
    const files = templateFiles(boot, work);
    await mkdir(join(work, 'sock'), { mode: 0o700 });
    for (const disk of [files.job, files.input, files.scratch, files.output]) {
      await writeFile(disk, '');
      await truncate(disk, SAVED_DISK_BYTES);
    }
    const ctl = await listenOnce(files.sockets[CONTROL_PORT] as string);
    listeners.push(ctl);
    for (const [name, p] of Object.entries(files.sockets))
      if (name !== CONTROL_PORT) listeners.push(await listenOnce(p));
    const qmp = join(work, 'sock/qmp');
    await mkdir(join(path, '..'), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    const ramTmp = `${savedRam(path)}.${process.pid}.tmp`;
    // The guest's memory is the operator's to read, no one else's: made before QEMU opens it.
    await writeFile(ramTmp, '', { mode: 0o600 });
    const start = { qmp, ram: { path: ramTmp, shared: true } };
    const spawnedAt = Date.now();
    qemu = spawn(
      'setpriv',
      ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...qemuArgs(files, shape, start)],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    qemu.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2048)));
    const exited = new Promise<never>((_, reject) =>
      qemu?.on('close', (code) => reject(new Error(`qemu exit ${code}: ${err.trim()}`))),
    );
    await Promise.race([untilReady(ctl), exited]);
    await Promise.race([saveOverQmp(qmp, tmp), exited]);
    // The guest stopped when the migration completed: its virtual clock stands at about this.
    await writeFile(savedClock(path), String(Date.now() - spawnedAt));
    // The RAM first: a state file is only ever found beside its RAM.
    await rename(ramTmp, savedRam(path));
    await rename(tmp, path);
  } finally {
    qemu?.kill('SIGKILL');
    await rm(`${path}.${process.pid}.tmp`, { force: true });
    await rm(`${savedRam(path)}.${process.pid}.tmp`, { force: true });
    listeners.forEach((l) => l.close());
    await rm(work, { recursive: true, force: true });
  }
}

/** The agent's "ready" line: everything before it is the same for every job. */
function untilReady(ctl: PortListener): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the guest never got ready')), SAVE_TIMEOUT_MS);
    void ctl.socket.then((s) => {
      let buf = '';
      s.on('data', (c: Buffer) => {
        buf = (buf + c.toString('latin1')).slice(-4096);
        if (/^error /m.test(buf)) reject(new Error(`the guest failed: ${buf.trim()}`));
        if (!/^ready$/m.test(buf)) return;
        clearTimeout(timer);
        resolve();
      });
    });
  });
}
