// The vm driver on this host (TCG here): the shared behaviour of the stronger tiers, in a QEMU guest.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import { buildImage } from '../../src/worker/image/build-image.js';
import { imagePaths } from '../../src/worker/image/image-paths.js';
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { driverBehaviour } from './driver-behaviour.js';

// One image for every run of this suite: building it takes half a minute, booting it five seconds.
process.env.CONTRACTOR_IMAGES ??= join(
  '/var/tmp',
  `contractor-test-images-${process.getuid?.() ?? 0}`,
);

const test = suite('vm driver');
test.before(async () => {
  if (!existsSync(imagePaths('worker').manifest)) await buildImage({ name: 'worker' });
});
driverBehaviour(test, () => new VmDriver());
test.run();
