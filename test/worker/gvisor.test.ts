// The gvisor driver on this host: the shared conformance and hostile-build suites, then the
// behaviour the stronger tiers share (examples/hello, limits, violations), through runsc.
import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { GvisorDriver } from '../../src/worker/gvisor/gvisor-driver.js';
import { conformanceSuite } from './conformance.js';
import { brokenInputStopsBuild, driverBehaviour } from './driver-behaviour.js';
import { hostileBuildSuite } from './hostile-builds.js';
import { runBuild } from './run-build.js';

conformanceSuite('gvisor', () => new GvisorDriver()).run();
hostileBuildSuite('gvisor', () => new GvisorDriver(), { ownDevices: true }).run();
const test = suite('gvisor driver');
driverBehaviour(test, () => new GvisorDriver());

// Issue 26, item 6: the sentry logs every send the build makes to a file on the host's disk, which
// no limit counted: a flood of sends grew it until the wall limit.
test('a flood of sends is counted against the disk limit, and its destination is still recorded', async () => {
  const flood = `import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    try: s.sendto(b'x', ('192.0.2.9', 9))
    except OSError: pass
`;
  const r = await runBuild(new GvisorDriver(), {
    limits: { diskBytes: 16 * 1024 ** 2 },
    files: { 'flood.py': flood },
    build: 'python3 flood.py',
  });
  assert.equal(r.outcome.limit, 'disk', r.stderr);
  assert.ok(r.outcome.violations.some((v) => v.host === '192.0.2.9'));
});
test('an input that does not unpack ends the job before the build runs', async () => {
  await brokenInputStopsBuild(new GvisorDriver());
});
test.run();
