// GitHub's published example payloads (@octokit/webhooks-examples), re-pointed at a test repository's
// commits, signed with the test secret, and delivered over HTTP the way GitHub delivers them.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { request } from 'node:http';
import { signWebhook } from '../../src/github/webhook-verify.js';

type Json = Record<string, unknown>;
interface Definition {
  name: string;
  examples: Json[];
}

const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as Definition[];

export const TEST_SECRET = 'It is a secret to everybody';

export function examples(event: string): Json[] {
  const d = definitions.find((x) => x.name === event);
  if (!d) throw new Error(`no examples for ${event}`);
  return structuredClone(d.examples);
}

/** The first example of an event with this action (and installation, when asked), deep-copied. */
export function example(
  event: string,
  action: string | null,
  pick: (p: Json) => boolean = () => true,
): Json {
  const found = examples(event).find((p) => (action === null || p.action === action) && pick(p));
  if (!found) throw new Error(`no ${event}.${action} example`);
  return found;
}

/** Replaces commit ids (and anything else) everywhere in a payload, keeping its published shape. */
export function retarget(payload: Json, replacements: Record<string, string>): Json {
  let text = JSON.stringify(payload);
  for (const [from, to] of Object.entries(replacements)) text = text.split(from).join(to);
  return JSON.parse(text) as Json;
}

export interface Delivered {
  status: number;
  body: string;
  ms: number;
}

export function deliver(
  url: string,
  event: string,
  body: Json | string | Buffer,
  o: { secret?: string; delivery?: string; signature?: string; contentType?: string } = {},
): Promise<Delivered> {
  const raw = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${url}/webhooks`, {
      method: 'POST',
      headers: {
        'Content-Type': o.contentType ?? 'application/json',
        'Content-Length': raw.length,
        'User-Agent': 'GitHub-Hookshot/test',
        'X-GitHub-Event': event,
        'X-GitHub-Delivery': o.delivery ?? randomUUID(),
        'X-Hub-Signature-256': o.signature ?? signWebhook(o.secret ?? TEST_SECRET, raw),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text, ms: performance.now() - started }),
      );
    });
    // An oversized body may be answered (413) and the socket closed before it is all written.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    req.end(raw);
  });
}
