// The vm driver on this host (TCG here): the shared conformance and hostile-build suites, then the
// behaviour the stronger tiers share (examples/hello, limits, violations), in a QEMU guest.
import { join } from 'node:path';
import { suite } from 'uvu';
import { buildImage } from '../../src/worker/image/build-image.js';
import { readManifest } from '../../src/worker/image/manifest.js';
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { conformanceSuite } from './conformance.js';
import { driverBehaviour } from './driver-behaviour.js';
import { hostileBuildSuite } from './hostile-builds.js';

// One image for every run of this file: building it takes half a minute, booting it five seconds.
process.env.CONTRACTOR_IMAGES ??= join(
  '/var/tmp',
  `contractor-test-images-${process.getuid?.() ?? 0}`,
);
if (!(await readManifest('worker').catch(() => undefined))) await buildImage({ name: 'worker' });

conformanceSuite('vm', () => new VmDriver()).run();
hostileBuildSuite('vm', () => new VmDriver(), { hostEtc: false }).run();
const test = suite('vm driver');
driverBehaviour(test, () => new VmDriver());
test.run();
