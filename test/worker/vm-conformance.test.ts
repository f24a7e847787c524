// The worker contract on the vm driver (TCG here): a file of its own, since each case boots a
// guest and the whole contract outlasts one test file's time limit on a busy machine.
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { testWorkerImage } from '../helpers/test-image.js';
import { conformanceSuite } from './conformance.js';

await testWorkerImage();

conformanceSuite('vm', () => new VmDriver()).run();
