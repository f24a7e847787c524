// Issue 22 in the vm tier: a build with containers: true finds DOCKER_HOST at the filter inside its
// guest, builds an image FROM scratch and runs it; a hostile build's privileged run and bind of /
// are refused and come back as container violations, and the engine's own socket is out of reach.
import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { ENGINE_SOCKET } from '../../src/worker/image/engine-user.js';
import { VmDriver } from '../../src/worker/vm/vm-driver.js';
import { CONTAINERS_TEST_IMAGE, testContainersImage } from '../helpers/test-image.js';
import { runBuild } from './run-build.js';

await testContainersImage();

const test = suite('vm containers');

/** No registry is reachable: the image's one file is a static binary the build compiles. */
const HELLO_C = `#include <stdio.h>
int main(int argc, char **argv) {
  FILE *map = fopen("/proc/self/uid_map", "r");
  char line[256];
  while (map && fgets(line, sizeof line, map)) printf("uid_map: %s", line);
  printf("hello from scratch");
  for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
  printf("\\n");
  return 0;
}
`;

const MAKE_IMAGE = [
  'mkdir -p ctx',
  'gcc -static -O1 -o ctx/hello hello.c',
  `printf 'FROM scratch\\nCOPY hello /hello\\nCMD ["/hello"]\\n' > ctx/Dockerfile`,
  'docker build -q -t contractor-test/hello:1 ctx',
].join('\n');

test('docker build of a FROM scratch image and docker run of it pass in the guest', async () => {
  const r = await runBuild(new VmDriver(), {
    workerImage: CONTAINERS_TEST_IMAGE,
    containers: true,
    files: { 'hello.c': HELLO_C },
    build: [
      'echo "DOCKER_HOST=$DOCKER_HOST"',
      MAKE_IMAGE,
      'docker run --rm contractor-test/hello:1',
      'docker run --rm contractor-test/hello:1 /hello with args',
      'docker images --format "{{.Repository}}:{{.Tag}}"',
    ].join('\n'),
  });
  const out = r.stdout + r.stderr;
  assert.equal(r.outcome.phases.at(-1)?.exitCode, 0, out);
  assert.match(r.stdout, /DOCKER_HOST=unix:\/\/\S+docker\.sock/);
  assert.match(r.stdout, /^hello from scratch$/m, out);
  assert.match(r.stdout, /^hello from scratch with args$/m, out);
  assert.match(r.stdout, /^contractor-test\/hello:1$/m, out);
  // A container's root is a subordinate id, never the engine's own uid (0 of Podman's namespace):
  // its first, the build's own uid in the guest; the rest its own range (the image's /etc/subuid).
  assert.match(r.stdout, /^uid_map:\s+0\s+1\s+1\nuid_map:\s+1\s+2\s+65535$/m, out);
  assert.doesNotMatch(r.stdout, /^uid_map:\s+\d+\s+0\s/m, out);
  assert.deepEqual(
    r.outcome.violations.filter((v) => v.kind === 'container'),
    [],
  );
  // The engine's storage is beside the workspace on its disk, never in the archive of it.
  assert.doesNotMatch(r.outputListing, /storage|contractor-engine/);
});

test('a privileged run and a bind of / are refused and recorded; the engine itself is out of reach', async () => {
  const r = await runBuild(new VmDriver(), {
    workerImage: CONTAINERS_TEST_IMAGE,
    containers: true,
    files: { 'hello.c': HELLO_C },
    build: [
      MAKE_IMAGE,
      'docker run --rm --privileged contractor-test/hello:1 && echo PRIVILEGED-RAN || true',
      'docker run --rm -v /:/host contractor-test/hello:1 && echo ROOT-BOUND || true',
      // Straight at the engine, past the filter: the socket's directory belongs to the engine's user.
      `docker -H unix://${ENGINE_SOCKET} run --rm --privileged contractor-test/hello:1 && echo ENGINE-REACHED || echo "engine: refused"`,
      'ls /var/lib/contractor-engine/storage && echo STORAGE-READ || echo "storage: refused"',
    ].join('\n'),
  });
  const out = r.stdout + r.stderr;
  assert.equal(r.outcome.phases.at(-1)?.exitCode, 0, out);
  assert.doesNotMatch(r.stdout, /PRIVILEGED-RAN|ROOT-BOUND|ENGINE-REACHED|STORAGE-READ/, out);
  assert.match(r.stdout, /^engine: refused$/m, out);
  assert.match(r.stdout, /^storage: refused$/m, out);
  assert.match(r.stderr, /contractor refused HostConfig\.Privileged/, out);
  const refusals = r.outcome.violations.filter((v) => v.kind === 'container');
  assert.ok(
    refusals.some((v) => v.phase === 'build' && /Privileged/.test(v.detail)),
    JSON.stringify(r.outcome.violations),
  );
  assert.ok(
    refusals.some(
      (v) => v.phase === 'build' && /bind|Binds|Mounts/.test(v.detail) && /\//.test(v.detail),
    ),
    JSON.stringify(r.outcome.violations),
  );
});

// cgroups disabled: a container's processes stay in the phase's cgroup, under the job's memory limit.
test("a container's memory counts against the job's memory limit", async () => {
  const hog = `#include <stdlib.h>
#include <string.h>
int main(void) {
  for (int i = 0; i < 64; i++) { char *p = malloc(16 << 20); if (p) memset(p, 1, 16 << 20); }
  return 0;
}
`;
  const r = await runBuild(new VmDriver(), {
    workerImage: CONTAINERS_TEST_IMAGE,
    containers: true,
    limits: { memoryBytes: 384 * 1024 ** 2 },
    files: { 'hello.c': hog },
    build: [MAKE_IMAGE, 'docker run --rm contractor-test/hello:1', 'echo HOG-FINISHED'].join('\n'),
  });
  assert.equal(r.outcome.limit, 'memory', r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /HOG-FINISHED/);
});

// Issue 22, item 3: a registry is a host like any other. The engine's pulls leave by the job's
// proxy (here the stand-in egress port, which records each request line); nothing leaves the guest
// straight, which the host's capture would record as a network violation.
test("a pull goes to the job's proxy, named by host, never straight out", async () => {
  const r = await runBuild(new VmDriver(), {
    workerImage: CONTAINERS_TEST_IMAGE,
    containers: true,
    build:
      'docker pull registry.contractor.invalid/team/app:1 && echo PULLED || echo "pull: failed"',
  });
  const out = r.stdout + r.stderr;
  assert.equal(r.outcome.phases.at(-1)?.exitCode, 0, out);
  assert.match(r.stdout, /^pull: failed$/m, out);
  assert.ok(
    r.egress.requests.some((l) => /^CONNECT registry\.contractor\.invalid:443 /.test(l)),
    JSON.stringify(r.egress.requests),
  );
  assert.deepEqual(r.outcome.violations, [], out);
});

test.run();
