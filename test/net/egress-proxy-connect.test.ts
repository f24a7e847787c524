import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { test } from 'uvu';
import {
  closedWithin,
  closeServer,
  listening,
  openConnect,
  PUBLIC_LOOKING,
  readAll,
  selfSignedCert,
  startOrigin,
  startProxy,
  startTlsOrigin,
  waitFor,
} from './proxy-harness.js';

const cert = selfSignedCert();
const tlsOrigin = await startTlsOrigin(cert);
const T = tlsOrigin.port;
const echo = await listening(createServer((s) => s.pipe(s)));
const E = echo.port;

/** A TLS GET through an open tunnel; resolves to the response text, or rejects if the tunnel is cut. */
function tlsGet(socket: Socket, options: { servername?: string; host?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ socket, ca: cert.cert, ...options });
    let text = '';
    let secure = false;
    tls.on('secureConnect', () => {
      secure = true;
      tls.end('GET /over-tls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    tls.on('data', (c: Buffer) => (text += c.toString()));
    tls.on('end', () =>
      secure ? resolve(text) : reject(new Error('the tunnel ended before the handshake')),
    );
    tls.on('error', reject);
    tls.on('close', () => reject(new Error('closed before the response')));
  });
}

function sniRedirect(host: string) {
  return {
    allow: [`${host}:${T}`],
    dns: { [host]: [PUBLIC_LOOKING] },
    redirect: { [`${PUBLIC_LOOKING}:${T}`]: T },
  };
}

test('tunnels TLS whose SNI matches the CONNECT host, and audits the bytes at close', async () => {
  const h = await startProxy(sniRedirect('allowed.test'));
  const tunnel = await openConnect(h.port, `Allowed.TEST:${T}`);
  assert.equal(tunnel.status, 200);
  const text = await tlsGet(tunnel.socket, { servername: 'allowed.test' });
  assert.match(text, /^HTTP\/1\.1 200/);
  await waitFor(() => h.audits.length === 1);
  await h.close();
  const [line] = h.audits;
  assert.equal(line?.method, 'CONNECT');
  assert.equal(line?.host, 'allowed.test');
  assert.equal(line?.decision, 'allow');
  assert.ok((line?.bytesUp ?? 0) > 100 && (line?.bytesDown ?? 0) > 100, JSON.stringify(line));
  assert.deepEqual(h.violations, []);
});

test('refuses a CONNECT whose SNI names another host, before the ClientHello reaches the server', async () => {
  const h = await startProxy(sniRedirect('allowed.test'));
  const tunnel = await openConnect(h.port, `allowed.test:${T}`);
  assert.equal(tunnel.status, 200);
  await assert.rejects(tlsGet(tunnel.socket, { servername: 'other.test' }));
  await waitFor(() => h.audits.length === 1);
  await h.close();
  assert.equal(h.dialled.length, 1);
  assert.equal(h.dialled[0]?.socket.bytesWritten, 0, 'the origin saw none of the ClientHello');
  assert.deepEqual(h.violations, [
    {
      kind: 'network',
      phase: 'setup',
      host: 'allowed.test',
      port: T,
      detail: 'TLS SNI names other.test, not the CONNECT host allowed.test',
    },
  ]);
  assert.equal(h.audits[0]?.decision, 'deny');
});

test('tunnels TLS with no SNI to a listed IP address', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${T}`] });
  const tunnel = await openConnect(h.port, `127.0.0.1:${T}`);
  // With an IP as host, node's TLS client sends no server_name extension.
  const text = await tlsGet(tunnel.socket, { host: '127.0.0.1' });
  await h.close();
  assert.match(text, /^HTTP\/1\.1 200/);
  assert.deepEqual(h.violations, []);
});

test('refuses a CONNECT to a listed IP address whose SNI names a host', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${T}`] });
  const tunnel = await openConnect(h.port, `127.0.0.1:${T}`);
  await assert.rejects(tlsGet(tunnel.socket, { servername: 'allowed.test' }));
  await waitFor(() => h.violations.length === 1);
  await h.close();
  assert.match(
    h.violations[0]?.detail ?? '',
    /SNI names allowed.test, not the CONNECT host 127.0.0.1/,
  );
});

test('refuses a CONNECT to an IP address that is not listed, with 403 and no dial', async () => {
  const h = await startProxy({
    allow: ['allowed.test'],
    dns: { 'allowed.test': [PUBLIC_LOOKING] },
  });
  const tunnel = await openConnect(h.port, `127.0.0.1:${T}`);
  await h.close();
  assert.equal(tunnel.status, 403);
  assert.match(
    tunnel.head,
    /\r\n\r\n127\.0\.0\.1 port \d+ is an IP address not on the allowlist\n$/,
  );
  assert.deepEqual(h.dialled, []);
  assert.equal(h.violations.length, 1);
});

test('refuses a CONNECT to a name resolving to the metadata address without dialling', async () => {
  const h = await startProxy({
    allow: ['metadata.test'],
    dns: { 'metadata.test': ['169.254.169.254'] },
  });
  const tunnel = await openConnect(h.port, 'metadata.test:80');
  await h.close();
  assert.equal(tunnel.status, 403);
  assert.deepEqual(h.dialled, []);
});

test('passes bytes that are not TLS through a tunnel unjudged', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${E}`] });
  const tunnel = await openConnect(h.port, `127.0.0.1:${E}`);
  const back = readAll(tunnel.socket);
  tunnel.socket.end('SSH-2.0-not-tls\r\n');
  assert.equal((await back).toString(), 'SSH-2.0-not-tls\r\n');
  await waitFor(() => h.audits.length === 1);
  await h.close();
  assert.deepEqual(
    { up: h.audits[0]?.bytesUp, down: h.audits[0]?.bytesDown },
    { up: 17, down: 17 },
  );
});

test('carries 16 MiB each way through a tunnel intact, read from upstream in large pieces', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${E}`] });
  const tunnel = await openConnect(h.port, `127.0.0.1:${E}`);
  const sent = randomBytes(16 * 1024 * 1024);
  const back = readAll(tunnel.socket);
  tunnel.socket.end(sent);
  const got = await back;
  await h.close();
  assert.equal(got.length, sent.length);
  assert.ok(got.equals(sent), 'the echo came back altered');
});

test('refuses a ClientHello it cannot parse, since the server might read it differently', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${E}`] });
  const tunnel = await openConnect(h.port, `127.0.0.1:${E}`);
  const back = readAll(tunnel.socket);
  tunnel.socket.write(
    Buffer.from([0x16, 0x03, 0x01, 0x00, 0x06, 0x01, 0x00, 0x00, 0x02, 0x03, 0x03]),
  );
  assert.equal((await back).length, 0, 'nothing was echoed: the bytes never reached the server');
  await h.close();
  assert.match(h.violations[0]?.detail ?? '', /^malformed TLS ClientHello/);
});

test('lets the server speak first on a tunnel before the client has sent anything', async () => {
  const banner = await listening(createServer((s) => s.end('220 banner\r\n')));
  const h = await startProxy({ allow: [`127.0.0.1:${banner.port}`] });
  const tunnel = await openConnect(h.port, `127.0.0.1:${banner.port}`);
  const got = await readAll(tunnel.socket);
  await h.close();
  await closeServer(banner);
  assert.equal(got.toString(), '220 banner\r\n');
});

test('carries a CONNECT to [::1] when [::1]:port is listed, and refuses it when only 127.0.0.1 is', async () => {
  const v6 = await listening(
    createServer((s) => s.pipe(s)),
    '::1',
  ).catch(() => undefined);
  assert.ok(v6, 'this host has no IPv6 loopback to test against');
  const h = await startProxy({ allow: [`[::1]:${v6.port}`, `127.0.0.1:${v6.port}`] });
  const tunnel = await openConnect(h.port, `[0:0::1]:${v6.port}`);
  assert.equal(tunnel.status, 200);
  const back = readAll(tunnel.socket);
  tunnel.socket.end('over v6');
  assert.equal((await back).toString(), 'over v6');
  const other = await startProxy({ allow: [`127.0.0.1:${v6.port}`] });
  const refused = await openConnect(other.port, `[::1]:${v6.port}`);
  await Promise.all([h.close(), other.close(), closeServer(v6)]);
  assert.deepEqual(
    h.dialled.map((d) => d.address),
    ['::1'],
  );
  assert.equal(refused.status, 403);
  assert.deepEqual(other.dialled, []);
});

test('judges a CONNECT to an IPv4-mapped IPv6 literal as the IPv4 address inside', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${E}`] });
  const tunnel = await openConnect(h.port, `[::ffff:127.0.0.1]:${E}`);
  await h.close();
  assert.equal(tunnel.status, 200);
  assert.deepEqual(
    h.dialled.map((d) => d.address),
    ['127.0.0.1'],
  );
});

test('answers 400 to a CONNECT without a port', async () => {
  const h = await startProxy({ allow: ['allowed.test'] });
  const tunnel = await openConnect(h.port, 'allowed.test');
  await h.close();
  assert.equal(tunnel.status, 400);
  assert.deepEqual(h.resolved, []);
});

test('close() destroys every open tunnel, on both sides', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${E}`] });
  const tunnel = await openConnect(h.port, `127.0.0.1:${E}`);
  tunnel.socket.write('still here');
  await waitFor(() => h.dialled.length === 1);
  await h.close();
  await closedWithin(tunnel.socket, 10_000);
  await closedWithin(h.dialled[0]!.socket, 10_000);
});

test.after(async () => {
  await closeServer(tlsOrigin);
  await closeServer(echo);
});
test.run();
