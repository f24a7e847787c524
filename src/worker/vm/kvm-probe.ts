// KVM only where it really boots a guest: a short real boot, cached for this boot of the host.
import { spawn } from 'node:child_process';
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contractorHome } from '../../spec/config-home.js';
import { PROBE_MARKER } from './guest-init.js';

const PROBE_TIMEOUT_MS = 6000;

export interface KvmVerdict {
  kvm: boolean;
  why: string;
}

async function bootId(): Promise<string> {
  return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => 'unknown')).trim();
}

function bootsUnderKvm(vmlinuz: string, initrd: string): Promise<boolean> {
  return new Promise((resolve) => {
    const qemu = spawn(
      'qemu-system-x86_64',
      [
        '-M',
        'microvm,pit=on',
        '-accel',
        'kvm',
        '-m',
        '256',
        '-smp',
        '1',
        '-nodefaults',
        '-no-user-config',
        '-nographic',
        '-no-reboot',
        '-kernel',
        vmlinuz,
        '-initrd',
        initrd,
        '-append',
        'console=ttyS0 quiet panic=-1 contractor.probe',
        '-serial',
        'stdio',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const timer = setTimeout(() => qemu.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    qemu.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(PROBE_MARKER)) qemu.kill('SIGKILL');
    });
    qemu.on('error', () => resolve(false));
    qemu.on('close', () => {
      clearTimeout(timer);
      resolve(out.includes(PROBE_MARKER));
    });
  });
}

export async function probeKvm(vmlinuz: string, initrd: string): Promise<KvmVerdict> {
  if (
    await access('/dev/kvm', constants.R_OK | constants.W_OK).then(
      () => false,
      () => true,
    )
  )
    return { kvm: false, why: '/dev/kvm is missing or not accessible' };
  const cacheDir = join(contractorHome(), 'cache');
  const cache = join(cacheDir, `kvm-probe-${await bootId()}.json`);
  const cached = await readFile(cache, 'utf8').then(
    (t) => JSON.parse(t) as KvmVerdict,
    () => undefined,
  );
  if (cached) return cached;
  const kvm = await bootsUnderKvm(vmlinuz, initrd);
  const verdict = {
    kvm,
    why: kvm
      ? 'a guest booted under KVM'
      : `/dev/kvm opens but a guest did not boot within ${PROBE_TIMEOUT_MS / 1000} s`,
  };
  await mkdir(cacheDir, { recursive: true });
  await writeFile(cache, JSON.stringify(verdict));
  return verdict;
}
