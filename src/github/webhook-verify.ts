// Only GitHub knows the webhook secret: a body whose HMAC does not match did not come from GitHub.
import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

/** X-Hub-Signature-256 over the raw body, compared in constant time. */
export function verifyWebhookSignature(
  secret: string,
  body: Buffer,
  header: string | undefined,
): boolean {
  const m = SIGNATURE.exec(header?.trim().toLowerCase() ?? '');
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(m[1] as string, 'hex');
  // Both are 32 bytes by construction, so timingSafeEqual never throws here.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function signWebhook(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
