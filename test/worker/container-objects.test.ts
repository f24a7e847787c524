// How the container filter names the job's objects and the API calls it knows.
import assert from 'node:assert/strict';
import { test } from 'uvu';
import { imageName, JobObjects } from '../../src/worker/containers/job-objects.js';
import { parseApiRoute } from '../../src/worker/containers/api-route.js';
import { ContainerRefusal } from '../../src/worker/containers/container-refusal.js';

const A = 'aaaa1111'.padEnd(64, '0');
const B = 'aaaa2222'.padEnd(64, '0');

test('a reference resolves to the full id of the job’s object: by id, by prefix, by name', () => {
  const o = new JobObjects();
  o.add('container', A, 'web');
  assert.equal(o.resolve('container', A), A);
  assert.equal(o.resolve('container', 'aaaa11'), A);
  assert.equal(o.resolve('container', 'web'), A);
  assert.equal(o.resolve('container', '/web'), A, 'the engine’s leading slash on names');
});

test('a prefix shared by two of the job’s objects names neither (the engine would pick)', () => {
  const o = new JobObjects();
  o.add('container', A);
  o.add('container', B);
  assert.equal(o.resolve('container', 'aaaa'), undefined);
});

test('a name or prefix that is not the job’s resolves to nothing, whatever else the engine holds', () => {
  const o = new JobObjects();
  o.add('container', A, 'web');
  assert.equal(o.resolve('container', 'bbbb'), undefined);
  assert.equal(o.resolve('container', 'db'), undefined);
  assert.equal(o.resolve('network', 'web'), undefined, 'names are per kind');
});

test('what one phase’s filter owned is owned again by the next phase’s, read back from its file', () => {
  const changes: string[] = [];
  const first = new JobObjects(undefined, () => changes.push(JSON.stringify(first)));
  first.add('image', undefined, 'app:1');
  first.add('container', A, 'web');
  first.add('network', B);
  first.forget('network', B);
  assert.equal(changes.length, 4, 'each change is kept as it happens');
  const next = new JobObjects(JSON.parse(changes.at(-1) as string));
  assert.equal(next.resolve('image', 'docker.io/library/app:1'), 'app:1');
  assert.equal(next.resolve('container', 'web'), A);
  assert.equal(next.resolve('network', B), undefined, 'a removed object stays removed');
  // A file of another shape, or none, is read as nothing owned: never as everything.
  for (const saved of [
    undefined,
    null,
    'x',
    { image: { ids: 'all', names: [['*', '']] } },
    [[A]],
  ]) {
    const o = new JobObjects(saved);
    assert.equal(o.resolve('container', A), undefined, JSON.stringify(saved));
  }
  assert.equal(
    new JobObjects({ image: { ids: [], names: [['*', '']] } }).resolve('image', 'app:1'),
    undefined,
  );
});

test('image names meet however the registry and tag are spelled', () => {
  assert.equal(imageName('busybox'), 'busybox:latest');
  assert.equal(imageName('docker.io/library/busybox:latest'), 'busybox:latest');
  assert.equal(imageName('localhost/app:1'), 'app:1');
  const o = new JobObjects();
  o.add('image', `sha256:${A}`, 'app');
  assert.equal(o.resolve('image', 'localhost/app:latest'), A);
  assert.equal(o.resolve('image', A.slice(0, 12)), A);
});

test('API paths are parsed with and without a version prefix; others are refused by path', () => {
  const r = parseApiRoute('POST', '/v1.41/containers/web/attach?stream=1&stdout=1');
  assert.equal(r.op, 'container.attach');
  assert.equal(r.ref, 'web');
  assert.equal(r.version, '/v1.41');
  assert.equal(parseApiRoute('GET', '/images/localhost%2Fapp:1/json').ref, 'localhost/app:1');
  assert.equal(parseApiRoute('GET', '/v1.24/images/localhost/app:1/json').ref, 'localhost/app:1');
  assert.equal(parseApiRoute('HEAD', '/_ping').op, 'ping');
  assert.throws(
    () => parseApiRoute('GET', '/v1.41/containers/web/export'),
    (e: unknown) =>
      e instanceof ContainerRefusal && /GET \/containers\/web\/export/.test(e.message),
  );
  assert.throws(
    () => parseApiRoute('POST', '/v1.41/containers/web/../../system/df'),
    ContainerRefusal,
  );
});

test.run();
