// A containers job on an image without the engine, or made for an older version of what such a job
// needs (the kernel's tun, the engine's ids), is refused before any guest boots, naming the command
// that rebuilds it. Images here are manifests over empty files: nothing is booted.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import type { WorkerJob } from '../../src/worker/driver.js';
import { CONTAINERS_IMAGE_VERSION, IMAGE_FORMAT } from '../../src/worker/image/manifest.js';
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { tempDir } from '../helpers/tmp.js';

const images = tempDir('contractor-images-');
process.env.CONTRACTOR_IMAGES = images.path;
mkdirSync(join(images.path, 'kernel', '6.1.0-0-amd64'), { recursive: true });
writeFileSync(join(images.path, 'kernel', '6.1.0-0-amd64', 'modules.order'), 'virtio_mmio\n');

function image(name: string, containers?: number): void {
  mkdirSync(join(images.path, name));
  writeFileSync(join(images.path, name, 'rootfs.ext4'), '');
  writeFileSync(
    join(images.path, name, 'manifest.json'),
    JSON.stringify({
      format: IMAGE_FORMAT,
      name,
      rootfs: 'rootfs.ext4',
      kernelRelease: '6.1.0-0-amd64',
      packages: [],
      ansible: false,
      ...(containers === undefined ? {} : { containers }),
      suite: 'bookworm',
      builtAt: new Date().toISOString(),
      buildMs: 1,
      bytes: 0,
    }),
  );
}

const job = (workerImage: string): WorkerJob =>
  ({ id: 'x', workerImage, containers: true, phases: [], env: {} }) as unknown as WorkerJob;

test('a containers job on an image without the engine is refused, naming the command', async () => {
  image('plain');
  await assert.rejects(
    new VmDriver().run(job('plain')),
    /the worker image 'plain' has no container engine, and the spec asks for containers: build it again with 'contractor image build --containers --name plain'/,
  );
});

test('a containers job on an image of an older containers version is refused the same way', async () => {
  image('older', CONTAINERS_IMAGE_VERSION - 1);
  await assert.rejects(
    new VmDriver().run(job('older')),
    new RegExp(
      `the worker image 'older' was built for containers version ${CONTAINERS_IMAGE_VERSION - 1}, which this Contractor no longer runs.*'contractor image build --containers --name older'`,
    ),
  );
});

test.after(() => images.remove());

test.run();
