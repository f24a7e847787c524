// A GitHub App's key pair for tests (PKCS#1 PEM, as GitHub hands it out), and the JWT check GitHub makes.
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';

export interface AppKeys {
  privateKeyPem: string;
  publicKey: KeyObject;
}

export function appKeys(): AppKeys {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKey: createPublicKey(privateKey) };
}

/** The App JWT: RS256, issued by the app id, valid for at most ten minutes. Returns a problem or null. */
export function jwtProblem(token: string, publicKey: KeyObject, appId: number): string | null {
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return 'not a JWT';
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  if (header.alg !== 'RS256') return `alg ${header.alg}`;
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url')))
    return 'bad signature';
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as {
    iss?: unknown;
    iat?: number;
    exp?: number;
  };
  const now = Math.floor(Date.now() / 1000);
  if (String(claims.iss) !== String(appId)) return `iss ${String(claims.iss)}`;
  if (!claims.exp || !claims.iat || claims.exp <= now || claims.iat > now + 60)
    return 'expired or not yet valid';
  if (claims.exp - claims.iat > 600) return 'valid for more than ten minutes';
  return null;
}
