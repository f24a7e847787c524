import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { test } from 'uvu';
import { readClientHello, type ClientHelloReading } from '../../src/net/sni.js';

const KINDS = new Set(['incomplete', 'not-tls', 'malformed', 'client-hello']);

/** Seeded, so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The first flight node's own TLS client sends, captured on loopback. */
async function captureClientHello(options: { servername?: string }): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const captured = new Promise<Buffer>((resolve) => {
    server.once('connection', (socket) => {
      let got = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (readClientHello(got).kind === 'incomplete') return;
        resolve(got);
        socket.destroy();
      });
    });
  });
  const client = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
  client.on('error', () => undefined);
  const hello = await captured;
  client.destroy();
  server.close();
  return hello;
}

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);

function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), u16(body.length), body]);
}

function serverNames(...names: [number, string][]): Buffer {
  const list = Buffer.concat(
    names.map(([type, name]) =>
      Buffer.concat([Buffer.from([type]), u16(name.length), Buffer.from(name, 'latin1')]),
    ),
  );
  return extension(0, Buffer.concat([u16(list.length), list]));
}

function clientHello(extensions: Buffer[], sessionIdLength = 0): Buffer {
  const ext = Buffer.concat(extensions);
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32),
    Buffer.from([sessionIdLength]),
    Buffer.alloc(Math.min(sessionIdLength, 40)),
    u16(2),
    Buffer.from([0x13, 0x01]),
    Buffer.from([1, 0]),
    u16(ext.length),
    ext,
  ]);
  return Buffer.concat([Buffer.from([1]), u24(body.length), body]);
}

/** Frames a handshake message into records of at most `size` bytes. */
function records(handshake: Buffer, size: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < handshake.length; i += size) {
    const part = handshake.subarray(i, i + size);
    out.push(Buffer.from([0x16, 3, 1]), u16(part.length), part);
  }
  return Buffer.concat(out);
}

function handshakeOf(recordData: Buffer): Buffer {
  return recordData.subarray(5, 5 + recordData.readUInt16BE(3));
}

function checkShape(r: ClientHelloReading, input: Buffer): void {
  assert.ok(KINDS.has(r.kind), r.kind);
  if (r.kind === 'incomplete')
    assert.ok(r.need > input.length, 'incomplete must ask for more than it has');
  if (r.kind === 'client-hello' && r.serverName !== undefined)
    assert.equal(typeof r.serverName, 'string');
}

test('reads the server name from a ClientHello sent by node’s TLS client', async () => {
  const hello = await captureClientHello({ servername: 'Pkg.Example.test' });
  const r = readClientHello(hello);
  assert.equal(r.kind, 'client-hello');
  assert.equal(r.kind === 'client-hello' && r.serverName?.toLowerCase(), 'pkg.example.test');
});

test('finds no server name when the client connects to an IP address', async () => {
  const hello = await captureClientHello({});
  assert.deepEqual(readClientHello(hello), { kind: 'client-hello' });
});

test('asks for more bytes at every truncation of a real ClientHello, never past what it needs', async () => {
  const hello = await captureClientHello({ servername: 'pkg.example.test' });
  for (let n = 0; n < hello.length; n++) {
    const r = readClientHello(hello.subarray(0, n));
    assert.equal(r.kind, 'incomplete', `prefix of ${n}`);
    assert.ok(r.kind === 'incomplete' && r.need > n && r.need <= hello.length, `prefix of ${n}`);
  }
});

test('reassembles a ClientHello split across several records', async () => {
  const hello = await captureClientHello({ servername: 'split.example.test' });
  const handshake = handshakeOf(hello);
  // In two records, and in eight, the most the reader takes: the hello's size is the TLS
  // library's (OpenSSL 3.5, in Node.js 22 and 24, sends a post-quantum key share of 1 KiB more).
  for (const size of [Math.ceil(handshake.length / 2), Math.ceil(handshake.length / 8), 16]) {
    const r = readClientHello(records(handshake, size));
    if (size === 16) {
      assert.equal(r.kind, 'malformed', 'too many tiny records is refused');
      continue;
    }
    assert.equal(
      r.kind === 'client-hello' && r.serverName,
      'split.example.test',
      `records of ${size}`,
    );
  }
});

test('calls bytes that do not start a TLS handshake record not-tls', () => {
  for (const text of ['GET / HTTP/1.1\r\n', 'SSH-2.0-OpenSSH_9.6\r\n', '\x17\x03\x03']) {
    assert.deepEqual(readClientHello(Buffer.from(text, 'latin1')), { kind: 'not-tls' });
  }
});

test('refuses hostile ClientHellos as malformed', () => {
  const cases: Record<string, Buffer> = {
    'duplicate server_name extension': records(
      clientHello([serverNames([0, 'a.test']), serverNames([0, 'b.test'])]),
      16384,
    ),
    'two host names': records(clientHello([serverNames([0, 'a.test'], [0, 'b.test'])]), 16384),
    'a NUL in the name': records(clientHello([serverNames([0, 'a.test\0.evil'])]), 16384),
    'a space in the name': records(clientHello([serverNames([0, 'a test'])]), 16384),
    'an empty name': records(clientHello([serverNames([0, ''])]), 16384),
    'no host name in the extension': records(clientHello([serverNames([1, 'x'])]), 16384),
    'a 33-byte session id': records(clientHello([], 33), 16384),
    'an extension longer than its block': records(
      clientHello([Buffer.from([0, 0, 0xff, 0xff])]),
      16384,
    ),
    'a ServerHello instead': records(
      Buffer.concat([Buffer.from([2]), clientHello([]).subarray(1)]),
      16384,
    ),
    'an SSLv2-style version byte': Buffer.from([0x16, 0x02, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5]),
    'an empty record': Buffer.from([0x16, 3, 1, 0, 0]),
    'an application record mid-hello': Buffer.concat([
      records(clientHello([serverNames([0, 'a.test'])]), 20).subarray(0, 25),
      Buffer.from([0x17, 3, 3, 0, 1, 0]),
    ]),
  };
  for (const [name, data] of Object.entries(cases))
    assert.equal(readClientHello(data).kind, 'malformed', name);
});

test('accepts a hand-built ClientHello with one host name and skips unknown name types', () => {
  const r = readClientHello(
    records(
      clientHello([
        extension(10, Buffer.from([0, 2, 0, 29])),
        serverNames([7, 'ignored'], [0, 'ok.test']),
      ]),
      16384,
    ),
  );
  assert.deepEqual(r, { kind: 'client-hello', serverName: 'ok.test' });
});

test('never throws on random bytes, random TLS-looking bytes or mutations of a real ClientHello', async () => {
  const random = prng(20240601);
  const byte = (): number => Math.floor(random() * 256);
  for (let i = 0; i < 20000; i++) {
    const input = Buffer.from(Array.from({ length: Math.floor(random() * 300) }, byte));
    if (i % 2 === 0 && input.length >= 2) input.set([0x16, 0x03]);
    checkShape(readClientHello(input), input);
  }
  const hello = await captureClientHello({ servername: 'fuzz.example.test' });
  for (let i = 0; i < 20000; i++) {
    const input = Buffer.from(hello.subarray(0, Math.floor(random() * (hello.length + 1))));
    for (let flips = Math.floor(random() * 4); flips > 0 && input.length > 0; flips--)
      input[Math.floor(random() * input.length)] = byte();
    checkShape(readClientHello(input), input);
  }
});

test.run();
