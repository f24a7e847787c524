import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'uvu';
import {
  closedWithin,
  closeServer,
  listening,
  openConnect,
  proxyRequest,
  readAll,
  startOrigin,
  startProxy,
  waitFor,
} from './proxy-harness.js';

const MiB = 1024 * 1024;
const origin = await startOrigin();
const O = origin.port;
const echo = await listening(createServer((s) => s.pipe(s)));
const E = echo.port;

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

test('HardBandwidthLimit: holds a 2 MiB download to 1 MiB/s', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`], bandwidthBytesPerSec: MiB });
  let length = 0;
  const took = await seconds(
    async () =>
      (length = (await proxyRequest(h.port, `http://127.0.0.1:${O}/bytes/${2 * MiB}`)).body.length),
  );
  await h.close();
  assert.equal(length, 2 * MiB);
  assert.ok(took >= 1.6, `took ${took.toFixed(2)} s`);
});

test('HardBandwidthLimit: holds a 2 MiB download through a CONNECT tunnel to 1 MiB/s', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`], bandwidthBytesPerSec: MiB });
  let length = 0;
  const took = await seconds(async () => {
    const tunnel = await openConnect(h.port, `127.0.0.1:${O}`);
    const body = readAll(tunnel.socket);
    tunnel.socket.write(`GET /bytes/${2 * MiB} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    length = (await body).length;
  });
  await h.close();
  assert.ok(length > 2 * MiB, `${length} bytes came back`);
  assert.ok(took >= 1.6, `took ${took.toFixed(2)} s`);
});

test('HardBandwidthLimit: one budget for both directions and every connection of the job', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`], bandwidthBytesPerSec: MiB });
  const took = await seconds(() =>
    Promise.all([
      proxyRequest(h.port, `http://127.0.0.1:${O}/bytes/${MiB}`),
      proxyRequest(h.port, `http://127.0.0.1:${O}/upload`, {
        method: 'POST',
        body: Buffer.alloc(MiB),
      }),
    ]),
  );
  await h.close();
  assert.ok(took >= 1.6, `took ${took.toFixed(2)} s`);
});

test('HardBandwidthLimit: shaping holds the origin back instead of buffering its bytes', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`], bandwidthBytesPerSec: MiB });
  const download = proxyRequest(h.port, `http://127.0.0.1:${O}/bytes/${64 * MiB}`).catch(
    () => undefined,
  );
  await new Promise((r) => setTimeout(r, 1000));
  const read = h.dialled[0]?.socket.bytesRead ?? -1;
  await h.close();
  await download;
  assert.ok(
    read > 0 && read < 3 * MiB,
    `the proxy had read ${(read / MiB).toFixed(2)} MiB from the origin after 1 s`,
  );
});

test('HardBandwidthLimit: crossing maxBytes closes every connection, reports the limit once, and refuses what follows', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`, `127.0.0.1:${E}`], maxBytes: 256 * 1024 });
  const idle = await openConnect(h.port, `127.0.0.1:${E}`);
  assert.equal(idle.status, 200);
  await assert.rejects(proxyRequest(h.port, `http://127.0.0.1:${O}/bytes/${4 * MiB}`));
  await closedWithin(idle.socket, 10_000);
  const after = await proxyRequest(h.port, `http://127.0.0.1:${O}/bytes/10`);
  await h.close();
  assert.deepEqual(h.limits, ['bandwidth']);
  assert.ok(h.proxy.bytes <= 256 * 1024, `${h.proxy.bytes} bytes carried`);
  assert.equal(after.status, 403);
  assert.equal(after.body.toString(), "the job's network byte cap is used up\n");
  assert.deepEqual(h.violations, [], 'the cap is a limit, not a violation');
  assert.equal(h.audits.at(-1)?.decision, 'deny');
});

test('a tunnel opened in setup is cut, and recorded, when it carries bytes in the build phase', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${E}`] });
  const tunnel = await openConnect(h.port, `127.0.0.1:${E}`);
  tunnel.socket.write('setup bytes');
  await waitFor(() => h.proxy.bytes === 2 * 'setup bytes'.length);
  h.phase.current = 'build';
  tunnel.socket.write('smuggled in the build phase');
  await closedWithin(tunnel.socket, 10_000);
  await h.close();
  assert.equal(h.violations.length, 1);
  assert.deepEqual(
    [h.violations[0]?.phase, h.violations[0]?.detail],
    ['build', 'the connection was still open when the build phase began'],
  );
  assert.equal(h.proxy.bytes, 2 * 'setup bytes'.length);
});

test('past its connection cap the proxy closes new connections at once, and logs the first', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`], maxClientConnections: 3 });
  const held = await Promise.all([1, 2, 3].map(() => openSocket(h.port)));
  const extra = await Promise.all([4, 5].map(() => openSocket(h.port)));
  await Promise.all(extra.map((s) => closedWithin(s, 10_000)));
  assert.ok(held.every((s) => !s.destroyed && s.readyState === 'open'));
  assert.equal(h.audits.length, 1);
  assert.deepEqual([h.audits[0]?.decision, h.audits[0]?.host], ['deny', '']);
  assert.match(h.audits[0]?.reason ?? '', /more than 3 connections open to the proxy at once/);
  assert.deepEqual(h.violations, [], 'crowding is not a policy violation');
  // One closed makes room for the next, which is served.
  held[0]?.destroy();
  let served = false;
  for (let i = 0; i < 50 && !served; i++) {
    const r = await proxyRequest(h.port, `http://127.0.0.1:${O}/bytes/10`).catch(() => undefined);
    served = r?.status === 200;
    if (!served) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(served, 'a connection after one closed was served');
  assert.equal(h.audits.filter((a) => a.decision === 'deny').length, 1, 'only the first is logged');
  held.slice(1).forEach((s) => s.destroy());
  await h.close();
});

test.after(async () => {
  await closeServer(origin);
  await closeServer(echo);
});
test.run();
