// The vm tests' worker image: one per uid under /var/tmp, kept between runs (building it takes
// half a minute, booting it five seconds), and built by whichever test file needs it first.
import { join } from 'node:path';
import { buildImage } from '../../src/worker/image/build-image.js';
import { readManifest } from '../../src/worker/image/manifest.js';

/** Points CONTRACTOR_IMAGES at the tests' images, and builds the 'worker' image there if it is missing. */
export async function testWorkerImage(): Promise<void> {
  process.env.CONTRACTOR_IMAGES ??= join(
    '/var/tmp',
    `contractor-test-images-${process.getuid?.() ?? 0}`,
  );
  if (!(await readManifest('worker').catch(() => undefined))) await buildImage({ name: 'worker' });
}
