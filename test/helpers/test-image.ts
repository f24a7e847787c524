// The vm tests' worker image: one per uid under /var/tmp, kept between runs (building it takes
// half a minute, booting it five seconds), and built by whichever test file needs it first.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage } from '../../src/worker/image/build-image.js';
import { CONTAINERS_IMAGE_VERSION } from '../../src/worker/image/manifest.js';
import { imagePaths } from '../../src/worker/image/image-paths.js';
import { readManifest } from '../../src/worker/image/manifest.js';

/** The containers image has a name of its own: the plain 'worker' image others boot is left as it is. */
export const CONTAINERS_TEST_IMAGE = 'worker-containers';

function useTestImages(): void {
  process.env.CONTRACTOR_IMAGES ??= join(
    '/var/tmp',
    `contractor-test-images-${process.getuid?.() ?? 0}`,
  );
}

/** Points CONTRACTOR_IMAGES at the tests' images, and builds the 'worker' image there if it is missing. */
export async function testWorkerImage(): Promise<void> {
  useTestImages();
  if (!(await readManifest('worker').catch(() => undefined))) await buildImage({ name: 'worker' });
}

/** The same for the image with the container engine, rebuilt when its contents' version changed. */
export async function testContainersImage(): Promise<void> {
  useTestImages();
  const manifest = await readFile(imagePaths(CONTAINERS_TEST_IMAGE).manifest, 'utf8')
    .then((t) => JSON.parse(t) as { containers?: number })
    .catch(() => undefined);
  const current = await readManifest(CONTAINERS_TEST_IMAGE).catch(() => undefined);
  if (!current || manifest?.containers !== CONTAINERS_IMAGE_VERSION)
    await buildImage({ name: CONTAINERS_TEST_IMAGE, containers: true });
}
