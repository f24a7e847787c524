// A throwaway self-signed certificate, made by openssl when a test or a bench starts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tmp.js';

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
}

/** For allowed.test, other.test and 127.0.0.1; throws if openssl cannot make it. */
export function selfSignedCert(): TlsMaterial {
  const dir = tempDir('contractor-net-cert-');
  try {
    const key = join(dir.path, 'key.pem');
    const cert = join(dir.path, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=allowed.test',
        '-addext',
        'subjectAltName=DNS:allowed.test,DNS:other.test,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    dir.remove();
  }
}
