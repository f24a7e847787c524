// --audit: allowlist misses are carried to real servers and recorded; forbidden ranges stay refused.
import assert from 'node:assert/strict';
import { createServer as createHttp } from 'node:http';
import { test } from 'uvu';
import {
  closeServer,
  listening,
  openConnect,
  PUBLIC_LOOKING,
  proxyRequest,
  readAll,
  startProxy,
  waitFor,
} from './proxy-harness.js';

// A real origin that counts what reached it.
const reached: string[] = [];
const origin = await listening(
  createHttp((req, res) => {
    reached.push(`${req.headers.host}${req.url}`);
    res.end('origin says hi\n');
  }),
);
const O = origin.port;

test('an audited miss reaches the server, and is recorded as the violation it would have been', async () => {
  reached.length = 0;
  const h = await startProxy({
    audit: true,
    allow: ['listed.test'],
    dns: { 'unlisted.test': [PUBLIC_LOOKING] },
    redirect: { [`${PUBLIC_LOOKING}:${O}`]: O },
  });
  const reply = await proxyRequest(h.port, `http://unlisted.test:${O}/pkg`);
  await waitFor(() => h.audits.length === 1);
  await h.close();
  assert.equal(reply.status, 200);
  assert.equal(reply.body.toString(), 'origin says hi\n');
  assert.deepEqual(reached, [`unlisted.test:${O}/pkg`]);
  assert.deepEqual(h.violations, [
    {
      kind: 'network',
      phase: 'setup',
      host: 'unlisted.test',
      port: O,
      detail: `unlisted.test port ${O} is not on the allowlist (let through by --audit)`,
    },
  ]);
  assert.equal(h.audits[0]?.decision, 'allow');
  assert.match(h.audits[0]?.reason ?? '', /--audit let through .* not on the allowlist/);
});

test('in audit mode every miss of a run is carried, not only the first', async () => {
  reached.length = 0;
  const h = await startProxy({
    audit: true,
    dns: { 'a.test': [PUBLIC_LOOKING], 'b.test': [PUBLIC_LOOKING] },
    redirect: { [`${PUBLIC_LOOKING}:${O}`]: O },
  });
  for (const host of ['a.test', 'b.test', 'a.test'])
    assert.equal((await proxyRequest(h.port, `http://${host}:${O}/x`)).status, 200);
  await waitFor(() => h.audits.length === 3);
  await h.close();
  assert.equal(reached.length, 3);
  assert.deepEqual(
    h.violations.map((v) => v.host),
    ['a.test', 'b.test', 'a.test'],
  );
});

test('a closed build phase is carried in audit mode and recorded with its phase', async () => {
  reached.length = 0;
  const h = await startProxy({
    audit: true,
    allow: [`listed.test:${O}`],
    dns: { 'listed.test': [PUBLIC_LOOKING] },
    redirect: { [`${PUBLIC_LOOKING}:${O}`]: O },
  });
  h.phase.current = 'build';
  const tunnel = await openConnect(h.port, `listed.test:${O}`);
  assert.equal(tunnel.status, 200);
  tunnel.socket.end(`GET /in-build HTTP/1.1\r\nHost: listed.test\r\nConnection: close\r\n\r\n`);
  assert.match((await readAll(tunnel.socket)).toString(), /origin says hi/);
  await h.close();
  assert.deepEqual(reached, ['listed.test/in-build']);
  assert.equal(h.violations[0]?.phase, 'build');
  assert.match(h.violations[0]?.detail ?? '', /network is closed in the build phase/);
});

test('audit mode still refuses a name that resolves to a private address, without dialling it', async () => {
  const h = await startProxy({ audit: true, dns: { 'rebind.test': ['10.0.0.5'] } });
  const reply = await proxyRequest(h.port, `http://rebind.test:${O}/`);
  await h.close();
  assert.equal(reply.status, 403);
  assert.deepEqual(h.dialled, []);
  assert.equal(h.violations.length, 1);
  assert.match(
    h.violations[0]?.detail ?? '',
    /resolves to 10\.0\.0\.5, a private or local address/,
  );
  assert.equal(h.audits[0]?.decision, 'deny');
});

test('audit mode still refuses loopback, link-local and metadata addresses named directly', async () => {
  reached.length = 0;
  const h = await startProxy({ audit: true });
  for (const authority of [`127.0.0.1:${O}`, '169.254.169.254:80', '[::1]:80', '[fe80::1]:80']) {
    const tunnel = await openConnect(h.port, authority);
    assert.equal(tunnel.status, 403, authority);
    tunnel.socket.destroy();
  }
  await h.close();
  assert.deepEqual(reached, []);
  assert.deepEqual(h.dialled, []);
  assert.equal(h.violations.length, 4);
});

test('without audit the same miss is refused and never reaches the server', async () => {
  reached.length = 0;
  const h = await startProxy({
    dns: { 'unlisted.test': [PUBLIC_LOOKING] },
    redirect: { [`${PUBLIC_LOOKING}:${O}`]: O },
  });
  const reply = await proxyRequest(h.port, `http://unlisted.test:${O}/pkg`);
  await h.close();
  assert.equal(reply.status, 403);
  assert.deepEqual(reached, []);
});

test('a miss the trusted ceiling covers says to add it to network.allow in .contractor.yaml', async () => {
  const h = await startProxy({
    allow: [],
    ceiling: ['*.registry.test', `mirror.test:${O}`],
    dns: { 'pkg.registry.test': [PUBLIC_LOOKING] },
  });
  await proxyRequest(h.port, 'http://pkg.registry.test/x');
  await proxyRequest(h.port, `http://mirror.test:${O}/x`);
  await proxyRequest(h.port, 'http://elsewhere.test/x');
  await h.close();
  assert.deepEqual(
    h.violations.map((v) => v.detail),
    [
      'pkg.registry.test port 80 is not on the allowlist (the trusted policy allows it: add pkg.registry.test to network.allow in .contractor.yaml)',
      `mirror.test port ${O} is not on the allowlist (the trusted policy allows it: add mirror.test:${O} to network.allow in .contractor.yaml)`,
      'elsewhere.test port 80 is not on the allowlist',
    ],
  );
});

test('a request in the offline build phase is told to move downloads to setup:', async () => {
  const h = await startProxy({ allow: ['pkg.test'] });
  h.phase.current = 'build';
  const reply = await proxyRequest(h.port, 'http://pkg.test/x');
  await h.close();
  assert.equal(reply.status, 403);
  assert.equal(
    h.violations[0]?.detail,
    'the network is closed in the build phase: move downloads to `setup:`',
  );
});

test.after(() => closeServer(origin));

test.run();
