// The vm driver on this host (TCG here): the shared conformance and hostile-build suites, then the
// behaviour the stronger tiers share (examples/hello, limits, violations), in a QEMU guest.
import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { conformanceSuite } from './conformance.js';
import { driverBehaviour } from './driver-behaviour.js';
import { hostileBuildSuite } from './hostile-builds.js';
import { testWorkerImage } from '../helpers/test-image.js';
import { runBuild } from './run-build.js';

await testWorkerImage();

conformanceSuite('vm', () => new VmDriver()).run();
hostileBuildSuite('vm', () => new VmDriver(), { hostEtc: false }).run();
const test = suite('vm driver');
driverBehaviour(test, () => new VmDriver());

// The capture of what the guest sends lives on the host's disk: once a flood of 1 GB in 20 s
// under a 64 MiB disk limit, and past 2 GiB it read as empty, so the flood's attempts vanished.
test('a packet flood is counted against the disk limit, and its destination is still recorded', async () => {
  const flood = `import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    try: s.sendto(b'x', ('192.0.2.9', 9))
    except OSError: pass
`;
  const r = await runBuild(new VmDriver(), {
    limits: { diskBytes: 16 * 1024 ** 2 },
    files: { 'flood.py': flood },
    build: 'python3 flood.py',
  });
  assert.equal(r.outcome.limit, 'disk', r.stderr);
  const v = r.outcome.violations.find((x) => x.host === '192.0.2.9');
  assert.equal(v?.kind, 'network');
  assert.equal(v?.port, 9);
});
test.run();
