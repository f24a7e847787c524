// Issue 22, item 3, end to end: a registry is a host like any other. `git contractor run` of a
// containers spec on the vm driver pulls an image in setup, from the team's own registry (a test
// host in a network namespace, plain HTTP), through the job's egress proxy, and runs it in the
// offline build phase. Plain HTTP is the trusted policy's to allow (insecure-registries); without
// it the pull fails before any image is fetched, and a registry off the allowlist is never reached.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import { contractor } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';
import { startNetnsHost, type NetnsHost } from '../helpers/netns-host.js';
import { writeOciImage } from '../helpers/oci-image.js';
import { CONTAINERS_TEST_IMAGE, testContainersImage } from '../helpers/test-image.js';
import { tempDir } from '../helpers/tmp.js';

const REGISTRY = fileURLToPath(new URL('../helpers/oci-registry-host.js', import.meta.url));

const HELLO_C = `#include <stdio.h>
int main(void) { printf("hello from the registry\\n"); return 0; }
`;

const test = suite('container pull');

if (process.getuid?.() === 0) {
  await testContainersImage();
  const images = process.env.CONTRACTOR_IMAGES as string;
  const blobs = tempDir('contractor-registry-');
  let registry: NetnsHost;

  test.before(async () => {
    writeFileSync(join(blobs.path, 'hello.c'), HELLO_C);
    execFileSync('gcc', [
      '-static',
      '-O1',
      '-o',
      join(blobs.path, 'hello'),
      join(blobs.path, 'hello.c'),
    ]);
    writeOciImage(blobs.path, 'team/hello', '1', { hello: join(blobs.path, 'hello') }, ['/hello']);
    registry = await startNetnsHost(REGISTRY, [blobs.path]);
  });

  test.after(() => {
    registry?.stop();
    blobs.remove();
  });

  /** One run of a repository whose spec allows ALLOW, pulls the registry's image in setup and runs it in build, under POLICY. */
  async function pullAndRun(policy: string, allow = [registry.address]) {
    const pull = `${registry.address}/team/hello:1`;
    const home = tempDir('contractor-home-');
    const repo = makeRepo({
      '.contractor.yaml': [
        'driver: vm',
        `worker-image: ${CONTAINERS_TEST_IMAGE}`,
        'containers: true',
        `network: {allow: ${JSON.stringify(allow)}}`,
        `setup: docker pull ${pull}`,
        `build: docker run --rm ${pull}`,
        '',
      ].join('\n'),
    });
    repo.commitAll('pull and run');
    writeFileSync(join(home.path, 'policy.yaml'), policy);
    try {
      const r = await contractor(repo.path, ['run'], {
        CONTRACTOR_HOME: home.path,
        CONTRACTOR_IMAGES: images,
      });
      return { ...r, out: `${r.stdout}\n${r.stderr}` };
    } finally {
      repo.remove();
      home.remove();
    }
  }

  const policy = (extra: string) =>
    [
      `network: {allow: ["${registry.address}"]}`,
      'driver: vm',
      `images: [${CONTAINERS_TEST_IMAGE}]`,
      'limits: {wall: 15m}',
      extra,
      '',
    ].join('\n');

  test('an image pulled in setup through the proxy runs in the offline build phase', async () => {
    const before = registry.lines.length;
    const r = await pullAndRun(policy(`insecure-registries: ["${registry.address}"]`));
    assert.equal(r.exitCode, 0, r.out);
    assert.match(r.stdout, /^hello from the registry$/m, r.out);
    assert.doesNotMatch(r.out, /violations:/, r.out);
    const seen = registry.lines.slice(before);
    assert.ok(seen.includes('GET /v2/team/hello/manifests/1'), seen.join('\n'));
    assert.ok(
      seen.filter((l) => /^GET \/v2\/team\/hello\/blobs\/sha256:/.test(l)).length >= 2,
      seen.join('\n'),
    );
  });

  test('without insecure-registries in the trusted policy, no image is fetched over plain HTTP', async () => {
    const before = registry.lines.length;
    const r = await pullAndRun(policy(''));
    assert.notEqual(r.exitCode, 0, r.out);
    assert.match(r.out, /setup exited with/, r.out);
    // The engine asked over TLS, through the proxy, and went no further.
    assert.match(r.out, /https:\/\/[0-9.]+\/v2\/.*Bad Gateway/, r.out);
    assert.doesNotMatch(r.stdout, /hello from the registry/, r.out);
    const seen = registry.lines.slice(before);
    assert.deepEqual(seen, [], seen.join('\n'));
  });

  test('a registry the spec does not list is refused by the proxy and recorded', async () => {
    const before = registry.lines.length;
    const r = await pullAndRun(policy(`insecure-registries: ["${registry.address}"]`), []);
    assert.notEqual(r.exitCode, 0, r.out);
    assert.match(r.out, /violations:[\s\S]*network\s+setup\s+[0-9.]+:(80|443)\s/, r.out);
    assert.deepEqual(registry.lines.slice(before), []);
  });
}

test.run();
