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

const origin = await startOrigin();
const O = origin.port;

/** Writes raw bytes to the proxy and collects its reply until it closes. */
function raw(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (c: Buffer) => (got += c.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
    s.write(bytes);
  });
}

async function stillServes(port: number): Promise<void> {
  assert.equal(
    (await proxyRequest(port, `http://127.0.0.1:${O}/after`)).status,
    200,
    'the proxy still serves',
  );
}

test('answers a malformed request line with 400 and keeps serving', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`] });
  assert.match(await raw(h.port, 'GARBAGE\x00\x01 not http\r\n\r\n'), /^HTTP\/1\.1 400 /);
  await stillServes(h.port);
  await h.close();
});

test('answers oversized request headers with 431 without reading them all', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`] });
  const huge = `GET http://127.0.0.1:${O}/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(256 * 1024)}\r\n\r\n`;
  assert.match(await raw(h.port, huge), /^HTTP\/1\.1 431 /);
  await stillServes(h.port);
  await h.close();
  assert.deepEqual(h.dialled.length, 1, 'only the good request was dialled');
});

test('survives random bytes on many connections', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`] });
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  await Promise.all(
    Array.from({ length: 40 }, () => raw(h.port, Buffer.from(Array.from({ length: 512 }, next)))),
  );
  await stillServes(h.port);
  await h.close();
});

test('survives a client that resets mid-download, and audits what was carried', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`] });
  const s: Socket = connect(h.port, '127.0.0.1');
  s.on('error', () => undefined);
  s.write(`GET http://127.0.0.1:${O}/bytes/${256 * 1024 * 1024} HTTP/1.1\r\nHost: x\r\n\r\n`);
  let got = 0;
  await new Promise<void>((resolve) =>
    s.on('data', (c: Buffer) => {
      got += c.length;
      if (got > 1024 * 1024) resolve();
    }),
  );
  s.resetAndDestroy();
  await waitFor(() => h.audits.length === 1);
  await closedWithin(h.dialled[0]!.socket, 10_000);
  await stillServes(h.port);
  await h.close();
  assert.equal(h.audits[0]?.reason, 'closed before the response was complete');
  assert.ok((h.audits[0]?.bytesDown ?? 0) >= 1024 * 1024);
});

test('closes a client that never finishes its request headers', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`], headersTimeoutMs: 200 });
  const s = connect(h.port, '127.0.0.1');
  s.write(`GET http://127.0.0.1:${O}/ HTTP/1.1\r\nHost: x\r\n`);
  await closedWithin(s, 10_000);
  await h.close();
  assert.deepEqual(h.dialled, []);
});

test('closes a tunnel that carries nothing for the idle timeout', async () => {
  const h = await startProxy({ allow: [`127.0.0.1:${O}`], idleTimeoutMs: 200 });
  const tunnel = await openConnect(h.port, `127.0.0.1:${O}`);
  assert.equal(tunnel.status, 200);
  await closedWithin(tunnel.socket, 10_000);
  await waitFor(() => h.audits.length === 1);
  await h.close();
});

test('keeps a tunnel open past the idle timeout for as long as the server keeps sending', async () => {
  // 1 KiB every 100 ms for 1.2 s, against a 300 ms idle timeout: each read must count as activity.
  const drip = await listening(
    createServer((s) => {
      let n = 0;
      const t = setInterval(() => {
        s.write(Buffer.alloc(1024, 0x61));
        if (++n === 12) (clearInterval(t), s.end());
      }, 100);
      s.on('close', () => clearInterval(t));
      s.on('error', () => undefined);
    }),
  );
  const h = await startProxy({ allow: [`127.0.0.1:${drip.port}`], idleTimeoutMs: 300 });
  const tunnel = await openConnect(h.port, `127.0.0.1:${drip.port}`);
  const got = await readAll(tunnel.socket);
  await h.close();
  await closeServer(drip);
  assert.equal(got.length, 12 * 1024);
});

test.after(() => closeServer(origin));
test.run();
