// The hostile-build suite on the vm driver, in a file of its own for the same reason as its
// conformance suite: every case boots a guest.
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { testWorkerImage } from '../helpers/test-image.js';
import { hostileBuildSuite } from './hostile-builds.js';

await testWorkerImage();

hostileBuildSuite('vm', () => new VmDriver(), { hostEtc: false }).run();
