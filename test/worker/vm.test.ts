// The vm driver on this host (TCG here): the behaviour the stronger tiers share (examples/hello,
// limits, violations), in a QEMU guest. Its conformance and hostile-build suites have files of
// their own (vm-conformance, vm-hostile).
import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { PROXY_CONNECTIONS } from '../../src/worker/vm/qemu-args.js';
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { driverBehaviour } from './driver-behaviour.js';
import { testWorkerImage } from '../helpers/test-image.js';
import { runBuild } from './run-build.js';

await testWorkerImage();

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
// Issue 26, item 6: QEMU's guestfwd starts a socat on the host for each connection (each one held
// open reaches the proxy, which counts it), and the guest's /var/tmp and /dev/shm were tmpfs of
// half its memory that no disk limit counted.
test('the guest holds no more proxy connections than its cap, and /var/tmp and /dev/shm count as disk', async () => {
  const hold = `import socket, time
held = []
for i in range(${2 * PROXY_CONNECTIONS}):
    try:
        held.append(socket.create_connection(('127.0.0.1', 3128), timeout=10))
    except OSError: pass
# Held long enough for a slow (TCG) guest's relay to open every one of them upstream.
time.sleep(30)
print('held', len(held), flush=True)
`;
  const r = await runBuild(new VmDriver(), {
    // A wall limit far past the build's own time: only the disk limit may end it.
    limits: { diskBytes: 32 * 1024 ** 2, wallMs: 240_000 },
    files: { 'hold.py': hold },
    build: [
      'python3 hold.py',
      'dd if=/dev/zero of=/var/tmp/fill bs=1M count=20 2>/dev/null',
      'dd if=/dev/zero of=/dev/shm/fill bs=1M count=20 2>/dev/null',
      // Only a limit ends it: disk, or the wall limit if the fill went unseen.
      'sleep 3600',
    ].join('\n'),
  });
  assert.match(r.stdout, /^held \d+$/m, r.stdout + r.stderr);
  assert.ok(
    r.egress.maxOpen <= PROXY_CONNECTIONS,
    `${r.egress.maxOpen} connections were open to the proxy at once; the cap is ${PROXY_CONNECTIONS}`,
  );
  assert.equal(r.outcome.limit, 'disk', r.stdout + r.stderr);
});
test.run();
