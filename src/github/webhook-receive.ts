// POST /webhooks: verify, parse, record durably, answer. No GitHub call and no build happens before the answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ContractorError } from '../errors.js';
import { intentFor } from './handlers/route-event.js';
import { admitOwner } from './owner-allowlist.js';
import type { JobStore } from './job-store.js';
import { readCappedBody } from './webhook-body.js';
import { verifyWebhookSignature } from './webhook-verify.js';

export interface WebhookOptions {
  secret: string;
  queue: JobStore;
  maxBodyBytes: number;
  /** Lower-case logins whose installations are built; empty: every installation. */
  owners: readonly string[];
  /** Called after a job was queued, once the answer is on its way. */
  onQueued: () => void;
  log: (line: string) => void;
}

// GitHub's delivery ids are GUIDs; anything else is not a delivery.
const DELIVERY = /^[A-Za-z0-9-]{1,64}$/;
const EVENT = /^[a-z_]{1,64}$/;

function answer(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export async function receiveWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  o: WebhookOptions,
): Promise<void> {
  if (req.method !== 'POST') return answer(res, 405, { error: 'POST only' });
  const read = await readCappedBody(req, o.maxBodyBytes);
  if (!read.ok) {
    if (read.reason === 'aborted') return void req.destroy();
    // Close afterwards: the rest of the oversized body is not worth reading.
    res.setHeader('Connection', 'close');
    return answer(res, 413, { error: `body over ${o.maxBodyBytes} bytes` });
  }
  if (!verifyWebhookSignature(o.secret, read.body, header(req, 'x-hub-signature-256'))) {
    o.log(
      `webhook refused: bad or missing X-Hub-Signature-256 (check that the webhook secret matches)`,
    );
    return answer(res, 401, { error: 'signature does not match' });
  }
  const delivery = header(req, 'x-github-delivery') ?? '';
  const event = header(req, 'x-github-event') ?? '';
  if (!DELIVERY.test(delivery) || !EVENT.test(event))
    return answer(res, 400, { error: 'X-GitHub-Delivery and X-GitHub-Event are required' });
  const type = header(req, 'content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type))
    return answer(res, 415, { error: 'set the webhook content type to application/json' });
  let payload: unknown;
  try {
    payload = JSON.parse(read.body.toString('utf8'));
  } catch {
    return answer(res, 400, { error: 'body is not JSON' });
  }
  if (event === 'ping') return answer(res, 200, { delivery, status: 'pong' });
  let intent;
  try {
    intent = admitOwner(intentFor(event, payload), o.owners);
  } catch (err) {
    if (!(err instanceof ContractorError)) throw err;
    return answer(res, 400, { error: err.message });
  }
  const status = await o.queue.accept(delivery, event, intent);
  if (intent.kind === 'ignore' && intent.logged)
    o.log(`delivery ${delivery} (${event}): ${intent.reason}`);
  answer(res, status === 'duplicate' ? 200 : 202, {
    delivery,
    status,
    ...(intent.kind === 'ignore' ? { reason: intent.reason } : {}),
  });
  if (status === 'queued') o.onQueued();
}
