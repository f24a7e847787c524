// The vm driver on this host (TCG here): the shared conformance and hostile-build suites, then the
// behaviour the stronger tiers share (examples/hello, limits, violations), in a QEMU guest.
import { suite } from 'uvu';
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { conformanceSuite } from './conformance.js';
import { driverBehaviour } from './driver-behaviour.js';
import { hostileBuildSuite } from './hostile-builds.js';
import { testWorkerImage } from '../helpers/test-image.js';

await testWorkerImage();

conformanceSuite('vm', () => new VmDriver()).run();
hostileBuildSuite('vm', () => new VmDriver(), { hostEtc: false }).run();
const test = suite('vm driver');
driverBehaviour(test, () => new VmDriver());
test.run();
