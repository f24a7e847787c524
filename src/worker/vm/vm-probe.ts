// Can this host run the vm driver, and with which accelerator? For `contractor doctor`.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { DriverProbe } from '../driver.js';
import { readManifest } from '../image/manifest.js';
import { DEFAULT_IMAGE } from '../image/image-paths.js';
import { BUSYBOX, initramfs } from './initramfs.js';
import { probeKvm } from './kvm-probe.js';
import { toolEnv } from '../tool-path.js';
import { imageBuildProblem } from '../image/subordinate-ids.js';

const run = promisify(execFile);

async function has(cmd: string, args: string[]): Promise<boolean> {
  return run(cmd, args, { env: toolEnv() }).then(
    () => true,
    () => false,
  );
}

export async function probeVm(): Promise<DriverProbe> {
  const no = (detail: string): DriverProbe => ({ driver: 'vm', ok: false, detail });
  if (!(await has('qemu-system-x86_64', ['--version'])))
    return no('QEMU is missing: apt-get install qemu-system-x86');
  if (!(await has('socat', ['-V'])))
    return no('socat is missing (the proxy forward): apt-get install socat');
  if (!(await has('mkfs.ext4', ['-V'])))
    return no('mkfs.ext4 is missing: apt-get install e2fsprogs');
  if (
    await access(BUSYBOX).then(
      () => false,
      () => true,
    )
  )
    return no('busybox is missing: apt-get install busybox-static');
  const image = await readManifest(DEFAULT_IMAGE).catch(() => undefined);
  const buildProblem = await imageBuildProblem();
  if (!image)
    return no(
      `no worker image yet: run 'contractor image build' (needs mmdebstrap)${buildProblem ? `; first, ${buildProblem}` : ''}`,
    );
  const verdict = await probeKvm(image.kernel.vmlinuz, await initramfs(image.kernel));
  const accel = verdict.kvm ? 'KVM' : `TCG (${verdict.why})`;
  return {
    driver: 'vm',
    ok: true,
    detail:
      `QEMU microvm with ${accel}; image ${image.name}, kernel ${image.kernel.release}` +
      (buildProblem ? `; to rebuild the image as this user: ${buildProblem}` : ''),
  };
}
