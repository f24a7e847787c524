// Cookies the App signs with HMAC-SHA256 (node:crypto): a value the browser cannot forge or alter.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface CookieFlags {
  maxAgeSeconds: number;
  /** Sent only over https: set when the public URL is https (TLS may end at a proxy in front). */
  secure: boolean;
}

function mac(key: Buffer, purpose: string, value: string): string {
  return createHmac('sha256', key).update(`${purpose}\0${value}`).digest('base64url');
}

/** `value.mac`; the purpose keeps a value signed for one cookie from being accepted as another. */
export function signCookieValue(key: Buffer, purpose: string, value: string): string {
  return `${value}.${mac(key, purpose, value)}`;
}

/** The value, if the signature is this key's for this purpose; undefined for anything else. */
export function verifyCookieValue(
  key: Buffer,
  purpose: string,
  signed: string,
): string | undefined {
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const value = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1));
  const expected = Buffer.from(mac(key, purpose, value));
  return given.length === expected.length && timingSafeEqual(given, expected) ? value : undefined;
}

/** The request's cookies by name; a name sent twice keeps its first value, as browsers order them. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** A Set-Cookie line: HttpOnly and SameSite=Lax always, Secure behind https, an expiry always. */
export function setCookie(name: string, value: string, flags: CookieFlags): string {
  return [
    `${name}=${value}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(flags.maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(flags.secure ? ['Secure'] : []),
  ].join('; ');
}
