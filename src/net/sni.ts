// Reads the server name from a TLS ClientHello, bounds-checking every length, so the proxy can hold SNI to CONNECT.

export type ClientHelloReading =
  /** Could still become a ClientHello: call again once `need` bytes have arrived. */
  | { kind: 'incomplete'; need: number }
  /** The first byte is not a TLS handshake record: some other protocol. */
  | { kind: 'not-tls' }
  /** Starts like TLS but breaks the grammar; refused, since the server may read it differently from us. */
  | { kind: 'malformed'; detail: string }
  | { kind: 'client-hello'; serverName?: string };

const HANDSHAKE_RECORD = 0x16;
const CLIENT_HELLO = 0x01;
const SERVER_NAME_EXTENSION = 0x0000;
const HOST_NAME_TYPE = 0x00;
const MAX_RECORD = 16384 + 2048;
/** A ClientHello bigger than this is not one we will wait for. */
const MAX_CLIENT_HELLO = 64 * 1024;
/** Real ClientHellos fit one or two records; a hello in dozens of tiny records is an attack on our CPU. */
const MAX_RECORDS = 8;

class Malformed extends Error {}

/** A cursor that throws Malformed instead of reading past its end. */
class Reader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  u8(): number {
    return this.take(1).readUInt8(0);
  }

  u16(): number {
    return this.take(2).readUInt16BE(0);
  }

  take(n: number): Buffer {
    if (n > this.remaining) throw new Malformed(`a length runs past the end of its field`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A sub-reader over the next n bytes, for a length-prefixed vector. */
  sub(n: number): Reader {
    return new Reader(this.take(n));
  }
}

/** Joins the handshake fragments of the leading records into the ClientHello body, or says why it cannot. */
function clientHelloBody(data: Buffer): Buffer | ClientHelloReading {
  const fragments: Buffer[] = [];
  let pos = 0;
  // Each pass consumes one whole record, and there are at most MAX_RECORDS of them.
  for (;;) {
    const joined = Buffer.concat(fragments);
    if (joined.length >= 4) {
      if (joined[0] !== CLIENT_HELLO)
        return malformed('the first handshake message is not a ClientHello');
      const length = joined.readUIntBE(1, 3);
      if (4 + length > MAX_CLIENT_HELLO) return malformed('the ClientHello is too large');
      if (joined.length >= 4 + length) return joined.subarray(4, 4 + length);
    }
    if (fragments.length === MAX_RECORDS)
      return malformed('the ClientHello is split into too many records');
    if (data.length - pos < 5) return { kind: 'incomplete', need: pos + 5 };
    if (data[pos] !== HANDSHAKE_RECORD)
      return malformed('a non-handshake record interrupts the ClientHello');
    if (data[pos + 1] !== 0x03) return malformed('the record version is not TLS');
    const length = data.readUInt16BE(pos + 3);
    if (length === 0 || length > MAX_RECORD) return malformed('a record length is out of range');
    if (data.length - pos - 5 < length) return { kind: 'incomplete', need: pos + 5 + length };
    fragments.push(data.subarray(pos + 5, pos + 5 + length));
    pos += 5 + length;
  }
}

function malformed(detail: string): ClientHelloReading {
  return { kind: 'malformed', detail };
}

/** RFC 6066: a list of names, at most one host_name; other name types are skipped by their length. */
function hostNameIn(ext: Reader): string {
  const list = ext.sub(ext.u16());
  if (ext.remaining !== 0) throw new Malformed('bytes after the server name list');
  let name: string | undefined;
  while (list.remaining > 0) {
    const type = list.u8();
    const value = list.take(list.u16());
    if (type !== HOST_NAME_TYPE) continue;
    if (name !== undefined) throw new Malformed('two host names in the server name extension');
    if (value.length === 0 || value.some((b) => b <= 0x20 || b >= 0x7f))
      throw new Malformed('a server name that is not printable ASCII');
    name = value.toString('latin1');
  }
  if (name === undefined) throw new Malformed('a server name extension without a host name');
  return name;
}

/** The server name, if any, from the extensions block; duplicated extensions are a protocol error. */
function serverNameIn(extensions: Reader): string | undefined {
  const seen = new Set<number>();
  let name: string | undefined;
  while (extensions.remaining > 0) {
    const type = extensions.u16();
    const body = extensions.sub(extensions.u16());
    if (seen.has(type)) throw new Malformed(`extension ${type} appears twice`);
    seen.add(type);
    if (type === SERVER_NAME_EXTENSION) name = hostNameIn(body);
  }
  return name;
}

function parseClientHello(body: Buffer): string | undefined {
  const r = new Reader(body);
  if (r.u8() !== 0x03) throw new Malformed('the ClientHello version is not TLS');
  r.take(1 + 32); // minor version, random
  const sessionId = r.u8();
  if (sessionId > 32) throw new Malformed('the session id is longer than 32 bytes');
  r.take(sessionId);
  const suites = r.u16();
  if (suites < 2 || suites % 2 !== 0) throw new Malformed('the cipher suite list has a bad length');
  r.take(suites);
  const compression = r.u8();
  if (compression < 1) throw new Malformed('no compression methods');
  r.take(compression);
  if (r.remaining === 0) return undefined;
  const extensions = r.sub(r.u16());
  if (r.remaining !== 0) throw new Malformed('bytes after the extensions');
  return serverNameIn(extensions);
}

/** Judges the first bytes a client sent on a tunnel; never reads outside `data`. */
export function readClientHello(data: Buffer): ClientHelloReading {
  if (data.length === 0) return { kind: 'incomplete', need: 1 };
  if (data[0] !== HANDSHAKE_RECORD) return { kind: 'not-tls' };
  const body = clientHelloBody(data);
  if (!Buffer.isBuffer(body)) return body;
  try {
    const serverName = parseClientHello(body);
    return serverName === undefined
      ? { kind: 'client-hello' }
      : { kind: 'client-hello', serverName };
  } catch (err) {
    if (err instanceof Malformed) return malformed(err.message);
    throw err;
  }
}
