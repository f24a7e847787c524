// Which runsc platform a sandbox uses: kvm only where a real sandbox ran on it, ptrace otherwise.
import { spawn } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contractorHome } from '../../spec/config-home.js';

export type GvisorPlatform = 'ptrace' | 'kvm';

export interface PlatformVerdict {
  platform: GvisorPlatform;
  why: string;
}

/** A /dev/kvm that opens may still never run a guest (a nested PVM one hangs): the probe is capped. */
export const KVM_PROBE_TIMEOUT_MS = 10_000;

async function bootId(): Promise<string> {
  return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => 'unknown')).trim();
}

/** Runs `runsc --platform=kvm do /bin/true` in its own process group, killed whole at the time-out. */
export async function runsOnKvm(timeoutMs = KVM_PROBE_TIMEOUT_MS): Promise<boolean> {
  const root = await mkdtemp(join(tmpdir(), 'contractor-gvisor-kvm-probe-'));
  try {
    return await new Promise<boolean>((resolve) => {
      const rootless = process.getuid?.() !== 0 ? ['--rootless'] : [];
      const child = spawn(
        'runsc',
        [
          ...rootless,
          '--root',
          root,
          '--platform=kvm',
          '--network=none',
          '--ignore-cgroups',
          'do',
          '/bin/true',
        ],
        { stdio: 'ignore', detached: true, cwd: root },
      );
      const timer = setTimeout(() => {
        // The group, not the pid: runsc's sandbox and gofer children must not outlive the probe.
        if (child.pid && child.pid > 0) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
      }, timeoutMs);
      child.on('error', () => resolve(false));
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve(code === 0);
      });
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function isVerdict(v: unknown): v is PlatformVerdict {
  const o = v as PlatformVerdict | undefined;
  return (o?.platform === 'kvm' || o?.platform === 'ptrace') && typeof o.why === 'string';
}

async function probePlatform(): Promise<PlatformVerdict> {
  if (
    await access('/dev/kvm', constants.R_OK | constants.W_OK).then(
      () => false,
      () => true,
    )
  )
    return { platform: 'ptrace', why: '/dev/kvm is missing or not accessible' };
  const cacheDir = join(contractorHome(), 'cache');
  const cache = join(cacheDir, `gvisor-platform-${await bootId()}.json`);
  const cached = await readFile(cache, 'utf8').then(
    (t) => JSON.parse(t) as unknown,
    () => undefined,
  );
  if (isVerdict(cached)) return cached;
  const verdict: PlatformVerdict = (await runsOnKvm())
    ? { platform: 'kvm', why: 'a sandbox ran on /dev/kvm' }
    : {
        platform: 'ptrace',
        why: `/dev/kvm opens but a sandbox on it did not finish within ${KVM_PROBE_TIMEOUT_MS / 1000} s`,
      };
  await mkdir(cacheDir, { recursive: true });
  await writeFile(cache, JSON.stringify(verdict));
  return verdict;
}

let memo: Promise<PlatformVerdict> | undefined;

/** Probed once per boot of the host (cached on disk) and once per process (kept in memory). */
export function gvisorPlatform(): Promise<PlatformVerdict> {
  memo ??= probePlatform();
  return memo;
}
