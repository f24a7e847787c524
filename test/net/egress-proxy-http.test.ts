import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer as createHttp, request, type IncomingMessage } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'uvu';
import {
  closedWithin,
  closeServer,
  listening,
  PUBLIC_LOOKING,
  proxyRequest,
  startOrigin,
  startProxy,
  waitFor,
} from './proxy-harness.js';

const origin = await startOrigin();
const O = origin.port;

test('forwards a plain HTTP request to a listed address and audits it with its byte counts', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`] });
  const reply = await proxyRequest(h.port, `http://127.0.0.1:${O}/hello?x=1`, {
    method: 'POST',
    body: Buffer.from('12345'),
  });
  await h.close();
  assert.equal(reply.status, 200);
  const seen = JSON.parse(reply.body.toString());
  assert.equal(seen.url, '/hello?x=1');
  assert.equal(seen.body, 5);
  assert.equal(seen.headers.host, `127.0.0.1:${O}`);
  await waitFor(() => h.audits.length === 1);
  const [line] = h.audits;
  assert.equal(typeof line?.time, 'string');
  assert.deepEqual(
    { ...line, time: undefined },
    {
      time: undefined,
      phase: 'setup',
      method: 'POST',
      host: '127.0.0.1',
      port: O,
      decision: 'allow',
      bytesUp: 5,
      bytesDown: reply.body.length,
    },
  );
  assert.deepEqual(h.violations, []);
});

test('refuses a host not on the allowlist with 403 and one line, without resolving or dialling it', async () => {
  const h = await startProxy({
    allow: [`127.0.0.1:${O}`, '*.example.test'],
    dns: { 'evil.test': ['127.0.0.1'] },
  });
  const reply = await proxyRequest(h.port, 'http://evil.test/steal');
  await h.close();
  assert.equal(reply.status, 403);
  assert.equal(reply.body.toString(), 'evil.test port 80 is not on the allowlist\n');
  assert.deepEqual(h.resolved, []);
  assert.deepEqual(h.dialled, []);
  assert.deepEqual(h.violations, [
    {
      kind: 'network',
      phase: 'setup',
      host: 'evil.test',
      port: 80,
      detail: 'evil.test port 80 is not on the allowlist',
    },
  ]);
  assert.equal(h.audits[0]?.decision, 'deny');
  assert.equal(h.audits[0]?.reason, 'evil.test port 80 is not on the allowlist');
});

test('dials exactly the address it resolved and checked, once, and sends the URI host as Host', async () => {
  const h = await startProxy({
    allow: [`pkg.example.test:${O}`],
    dns: { 'pkg.example.test': [PUBLIC_LOOKING] },
    redirect: { [`${PUBLIC_LOOKING}:${O}`]: O },
  });
  const reply = await proxyRequest(h.port, `http://PKG.example.test.:${O}/index`, {
    headers: { host: 'other-vhost.test' },
  });
  await h.close();
  assert.equal(reply.status, 200);
  assert.equal(JSON.parse(reply.body.toString()).headers.host, `pkg.example.test:${O}`);
  assert.deepEqual(h.resolved, ['pkg.example.test']);
  assert.deepEqual(
    h.dialled.map((d) => [d.address, d.port]),
    [[PUBLIC_LOOKING, O]],
  );
});

test('refuses names resolving to private, loopback, metadata or link-local addresses without any connection attempt', async () => {
  const answers: Record<string, string[]> = {
    'private.test': ['10.0.0.1'],
    'metadata.test': ['169.254.169.254'],
    'cgnat.test': ['100.64.1.1'],
    'rebind.test': ['127.0.0.1'],
    'mapped.test': ['::ffff:10.0.0.1'],
    'linklocal6.test': ['fe80::1'],
    'ula.test': ['fd00::1'],
    'loop6.test': ['::1'],
    'mixed.test': [PUBLIC_LOOKING, '192.168.1.1'],
  };
  // The loopback origin itself is listed by address: a name resolving there is still refused.
  const h = await startProxy({
    allow: [...Object.keys(answers).map((n) => `${n}:${O}`), `127.0.0.1:${O}`],
    dns: answers,
  });
  for (const name of Object.keys(answers)) {
    const reply = await proxyRequest(h.port, `http://${name}:${O}/`);
    assert.equal(reply.status, 403, name);
    assert.match(reply.body.toString(), /a private or local address\n$/, name);
  }
  await h.close();
  assert.deepEqual(h.dialled, []);
  assert.equal(h.violations.length, Object.keys(answers).length);
  assert.deepEqual(h.resolved, Object.keys(answers));
});

test('refuses a raw IP address that is not listed, even a public one, without dialling it', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`, 'pkg.example.test'] });
  for (const url of [
    `http://127.0.0.1:${O + 1 > 65535 ? O - 1 : O + 1}/`,
    `http://${PUBLIC_LOOKING}/`,
    `http://[::1]:${O}/`,
    'http://2130706433/',
  ]) {
    const reply = await proxyRequest(h.port, url);
    assert.equal(reply.status, 403, url);
  }
  await h.close();
  assert.deepEqual(h.dialled, []);
  assert.deepEqual(h.resolved, []);
});

test('answers 502 when the listed origin refuses the connection, and audits the failure', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as { port: number }).port;
  await closeServer(closed);
  const h = await startProxy({ allow: [`127.0.0.1:${port}`] });
  const reply = await proxyRequest(h.port, `http://127.0.0.1:${port}/`);
  await h.close();
  assert.equal(reply.status, 502);
  assert.match(reply.body.toString(), /^cannot connect to port \d+: .*ECONNREFUSED.*\n$/);
  assert.equal(h.audits[0]?.decision, 'allow');
  assert.match(h.audits[0]?.reason ?? '', /cannot connect/);
  assert.deepEqual(h.violations, []);
});

test('answers 502 when an allowed name does not resolve', async () => {
  const h = await startProxy({ allow: ['gone.example.test'] });
  const reply = await proxyRequest(h.port, 'http://gone.example.test/');
  await h.close();
  assert.equal(reply.status, 502);
  assert.deepEqual(h.resolved, ['gone.example.test']);
  assert.deepEqual(h.dialled, []);
});

test('answers 400 to an origin-form request and to https:// URIs', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`] });
  assert.equal((await proxyRequest(h.port, '/relative')).status, 400);
  assert.equal((await proxyRequest(h.port, `https://127.0.0.1:${O}/`)).status, 400);
  await h.close();
  assert.deepEqual(h.dialled, []);
});

test('denies everything in the build phase, resolving nothing, and records each as a violation', async () => {
  const h = await startProxy({
    allow: [`127.0.0.1:${O}`, 'pkg.example.test'],
    dns: { 'pkg.example.test': [PUBLIC_LOOKING] },
  });
  h.phase.current = 'build';
  const byIp = await proxyRequest(h.port, `http://127.0.0.1:${O}/`);
  const byName = await proxyRequest(h.port, 'http://pkg.example.test/');
  await h.close();
  assert.equal(byIp.status, 403);
  assert.equal(
    byName.body.toString(),
    'the network is closed in the build phase: move downloads to `setup:`\n',
  );
  assert.deepEqual(h.resolved, []);
  assert.deepEqual(h.dialled, []);
  assert.deepEqual(
    h.violations.map((v) => [v.phase, v.host, v.port]),
    [
      ['build', '127.0.0.1', O],
      ['build', 'pkg.example.test', 80],
    ],
  );
  assert.deepEqual(
    h.audits.map((a) => [a.phase, a.decision]),
    [
      ['build', 'deny'],
      ['build', 'deny'],
    ],
  );
});

test('takes connections handed over by a driver through accept(), here from a Unix socket', async () => {
  const { tempDir } = await import('../helpers/tmp.js');
  const { request } = await import('node:http');
  const dir = tempDir('contractor-net-');
  const h = await startProxy({ allow: [`127.0.0.1:${O}`] });
  const relay = createServer((s) => h.proxy.accept(s));
  const path = `${dir.path}/proxy.sock`;
  await new Promise<void>((resolve) => relay.listen(path, resolve));
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ socketPath: path, path: `http://127.0.0.1:${O}/via-socket` }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
  await h.close();
  await closeServer(relay);
  dir.remove();
  assert.equal(status, 200);
  assert.deepEqual(
    h.dialled.map((d) => d.address),
    ['127.0.0.1'],
  );
});

/** n bytes that differ from chunk to chunk, so a lost, repeated or reordered piece changes the digest. */
function patterned(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE(i / 4, i);
  return b;
}
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** GET through the proxy, reading nothing for holdMs first, so the proxy's buffers fill; the whole body. */
function slowGet(proxyPort: number, url: string, holdMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, path: url, agent: false }, (res) => {
      res.pause();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('the response was cut short')));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      setTimeout(() => res.resume(), holdMs);
    });
    req.on('error', reject);
    req.end();
  });
}

test('a body with no length, ended by the origin closing, arrives whole to a client slower than the origin', async () => {
  // The origin is done, and gone, while most of the body still waits in the proxy for the client.
  const body = patterned(8 * 1024 * 1024);
  const raw = await listening(
    createServer((s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n\r\n');
        s.end(body);
      });
    }),
  );
  const h = await startProxy({ allow: [`127.0.0.1:${raw.port}`] });
  const got = await slowGet(h.port, `http://127.0.0.1:${raw.port}/file`, 300);
  await waitFor(() => h.audits.length === 1);
  await h.close();
  await closeServer(raw);
  assert.equal(got.length, body.length);
  assert.equal(sha(got), sha(body));
  assert.equal(h.audits[0]?.bytesDown, body.length);
  assert.equal(h.audits[0]?.reason, undefined);
});

test('large downloads with a length and chunked arrive byte for byte, and a chunked upload too', async () => {
  const body = patterned(16 * 1024 * 1024 + 7);
  const seen: { method?: string; te?: string; digest?: string }[] = [];
  const http = await listening(
    createHttp((req: IncomingMessage, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method,
          ...(req.headers['transfer-encoding'] ? { te: req.headers['transfer-encoding'] } : {}),
          digest: sha(Buffer.concat(parts)),
        });
        if (req.url === '/length') res.writeHead(200, { 'content-length': body.length });
        // No length: node frames it chunked, in pieces of its own choosing.
        for (let i = 0; i < body.length; i += 300_001) res.write(body.subarray(i, i + 300_001));
        res.end();
      });
    }),
  );
  const h = await startProxy({ allow: [`127.0.0.1:${http.port}`] });
  const lengthed = await slowGet(h.port, `http://127.0.0.1:${http.port}/length`, 100);
  const chunked = await slowGet(h.port, `http://127.0.0.1:${http.port}/chunked`, 100);
  const upload = patterned(3 * 1024 * 1024);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: h.port,
        method: 'POST',
        path: `http://127.0.0.1:${http.port}/upload`,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    // Written in parts with no length: node sends it chunked.
    for (let i = 0; i < upload.length; i += 100_000) req.write(upload.subarray(i, i + 100_000));
    req.end();
  });
  await h.close();
  await closeServer(http);
  assert.equal(sha(lengthed), sha(body));
  assert.equal(sha(chunked), sha(body));
  assert.equal(status, 200);
  assert.deepEqual(seen[2], { method: 'POST', te: 'chunked', digest: sha(upload) });
});

test('a forwarded request whose origin goes quiet is cut after the idle timeout', async () => {
  let upstream: Socket | undefined;
  const quiet = await listening(
    createServer((s) => {
      upstream = s;
      s.on('error', () => undefined);
      // Promises 100 bytes, sends 10, then nothing.
      s.once('data', () => s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789'));
    }),
  );
  const h = await startProxy({ allow: [`127.0.0.1:${quiet.port}`], idleTimeoutMs: 200 });
  const client = connect(h.port, '127.0.0.1');
  client.on('error', () => undefined);
  client.write(`GET http://127.0.0.1:${quiet.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
  await closedWithin(client, 10_000);
  await waitFor(() => upstream?.destroyed === true || upstream?.readableEnded === true);
  await waitFor(() => h.audits.length === 1);
  await h.close();
  await closeServer(quiet);
  assert.equal(h.audits[0]?.bytesDown, 10);
  assert.equal(h.audits[0]?.reason, 'closed before the response was complete');
});

test.after(() => closeServer(origin));
test.run();
