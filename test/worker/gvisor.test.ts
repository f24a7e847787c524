// The gvisor driver on this host: the shared conformance and hostile-build suites, then the
// behaviour the stronger tiers share (examples/hello, limits, violations), through runsc.
import { suite } from 'uvu';
import { GvisorDriver } from '../../src/worker/gvisor/gvisor-driver.js';
import { conformanceSuite } from './conformance.js';
import { driverBehaviour } from './driver-behaviour.js';
import { hostileBuildSuite } from './hostile-builds.js';

conformanceSuite('gvisor', () => new GvisorDriver()).run();
hostileBuildSuite('gvisor', () => new GvisorDriver()).run();
const test = suite('gvisor driver');
driverBehaviour(test, () => new GvisorDriver());
test.run();
