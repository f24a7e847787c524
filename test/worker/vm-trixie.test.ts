// Debian 13: the worker image is built from trixie (`contractor image build --suite trixie`, from
// the host's own mirror) on a Debian 12 host, and the vm tier boots it with the host's kernel.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import { ContractorError } from '../../src/errors.js';
import { buildImage } from '../../src/worker/image/build-image.js';
import { imagePaths } from '../../src/worker/image/image-paths.js';
import type { ImageManifest } from '../../src/worker/image/manifest.js';
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { testWorkerImage } from '../helpers/test-image.js';
import { runBuild } from './run-build.js';

const IMAGE = 'worker-trixie';

/** The image a previous run built, kept in the tests' images directory. */
function keptManifest(): ImageManifest | undefined {
  try {
    return JSON.parse(readFileSync(imagePaths(IMAGE).manifest, 'utf8')) as ImageManifest;
  } catch {
    return undefined;
  }
}

test('a suite that is not a codename is refused before anything is fetched', async () => {
  await assert.rejects(
    buildImage({ name: 'never', suite: 'trixie main' }),
    (e: unknown) =>
      e instanceof ContractorError && e.code === 'USAGE' && /codename/.test(e.message),
  );
});

test('the vm tier boots a trixie image and builds in it', async () => {
  await testWorkerImage(); // the tests' images directory, shared between runs
  const m = keptManifest() ?? (await buildImage({ name: IMAGE, suite: 'trixie' }));
  assert.equal(m.suite, 'trixie');
  const r = await runBuild(new VmDriver(), {
    workerImage: IMAGE,
    build: '. /etc/os-release && echo "guest: $VERSION_CODENAME"',
  });
  assert.equal(r.outcome.phases[0]?.exitCode, 0, r.stderr);
  assert.match(r.stdout, /guest: trixie/);
});

test.run();
