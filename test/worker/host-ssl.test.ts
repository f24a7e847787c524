import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { hostSslEntries } from '../../src/worker/host-ssl.js';
import { tempDir } from '../helpers/tmp.js';

test('every /etc/ssl entry is bound but the private keys, a link into them and a dangling link', () => {
  const dir = tempDir();
  try {
    const ssl = join(dir.path, 'ssl');
    mkdirSync(join(ssl, 'certs'), { recursive: true });
    mkdirSync(join(ssl, 'private'));
    writeFileSync(join(ssl, 'private', 'host.key'), 'KEY');
    writeFileSync(join(ssl, 'openssl.cnf'), '');
    symlinkSync('certs/ca.pem', join(ssl, 'cert.pem'));
    writeFileSync(join(ssl, 'certs', 'ca.pem'), 'CA');
    symlinkSync('private/host.key', join(ssl, 'server.key'));
    symlinkSync('private', join(ssl, 'keys'));
    symlinkSync('nowhere', join(ssl, 'dangling.pem'));
    assert.deepEqual(
      hostSslEntries(ssl).sort(),
      ['cert.pem', 'certs', 'openssl.cnf'].map((n) => join(ssl, n)),
    );
  } finally {
    dir.remove();
  }
});

test('a host without /etc/ssl binds nothing', () => {
  assert.deepEqual(hostSslEntries('/nonexistent/ssl'), []);
});

test.run();
