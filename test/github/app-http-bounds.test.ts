// The App's HTTP server is on the internet: connections past the cap are closed unread, and a body
// over --max-body is refused by its Content-Length before it is read, or cut at the cap.
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startHarness, type Harness } from '../helpers/app-harness.js';
import { signWebhook } from '../../src/github/webhook-verify.js';
import { TEST_SECRET } from '../helpers/webhook-examples.js';

const CAP = 3;
const MAX_BODY = 1024 * 1024; // the harness's --max-body

let h: Harness;
test.before(async () => {
  h = await startHarness({ maxConnections: CAP });
});
test.after(async () => {
  await h.close();
});

function open(): Promise<Socket> {
  const { hostname, port } = new URL(h.app.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => resolve(s));
    s.on('error', reject);
  });
}

/** Everything the server sent before it closed the socket (or `timeoutMs` passed). */
function answerOf(s: Socket, timeoutMs = 60_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => resolve({ text, closed: false }), timeoutMs);
    s.on('data', (c: Buffer) => (text += c.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => (clearTimeout(timer), resolve({ text, closed: true })));
  });
}

function headers(body: Buffer | null, delivery: string, extra: string[] = []): string {
  return [
    'POST /webhooks HTTP/1.1',
    'Host: app',
    'Content-Type: application/json',
    'X-GitHub-Event: ping',
    `X-GitHub-Delivery: ${delivery}`,
    ...(body ? [`X-Hub-Signature-256: ${signWebhook(TEST_SECRET, body)}`] : []),
    ...extra,
    '',
    '',
  ].join('\r\n');
}

test('a connection past --max-connections is closed without its request being read', async () => {
  // The cap's worth of clients that send half a request and wait.
  const held = await Promise.all(Array.from({ length: CAP }, () => open()));
  held.forEach((s) => s.write('POST /webhooks HTTP/1.1\r\nHost: app\r\n'));
  const body = Buffer.from(JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 }));
  const delivery = randomUUID();
  const extra = await open();
  const answer = answerOf(extra);
  extra.write(headers(body, delivery, [`Content-Length: ${body.length}`]));
  extra.end(body);
  const { text, closed } = await answer;
  assert.ok(closed, 'the extra connection is closed');
  assert.is(text, '', 'no HTTP answer: the request was never parsed');
  held.forEach((s) => s.destroy());
  // Once the holders are gone, the server serves again.
  const again = await open();
  const answered = answerOf(again);
  again.end(
    headers(body, randomUUID(), [`Content-Length: ${body.length}`, 'Connection: close']) +
      body.toString(),
  );
  assert.match((await answered).text, /^HTTP\/1\.1 200 /);
});

test('a Content-Length over --max-body is answered 413 before a byte of the body is sent', async () => {
  const s = await open();
  const answer = answerOf(s);
  // Headers only: the server must answer without waiting for a body that never comes.
  s.write(headers(null, randomUUID(), [`Content-Length: ${MAX_BODY + 1}`]));
  const { text, closed } = await answer;
  assert.match(text, /^HTTP\/1\.1 413 /);
  assert.ok(closed);
});

test('a chunked body is cut at --max-body: the connection closed, the body not read to its end', async () => {
  const s = await open();
  const answer = answerOf(s);
  s.write(headers(null, randomUUID(), ['Transfer-Encoding: chunked']));
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  // A chunked body that never ends: a server that read on would hold the socket open for ever.
  let sent = 0;
  while (sent < 64 * MAX_BODY && !s.destroyed) {
    const flowing = s.write(`${chunk.length.toString(16)}\r\n${chunk.toString('latin1')}\r\n`);
    sent += chunk.length;
    if (!flowing)
      await new Promise((r) => {
        s.once('drain', r);
        s.once('close', r);
      });
  }
  const { text, closed } = await answer;
  assert.ok(closed, 'the server closed the connection');
  // Past the cap only what the two kernels' socket buffers hold on the way.
  assert.ok(sent < 32 * MAX_BODY, `the server took ${sent} bytes`);
  // The 413 may be lost to the reset of a client still sending; no other answer may come.
  if (text) assert.match(text, /^HTTP\/1\.1 413 /);
});

test.run();
