// The trap's record of a direct attempt, read back from nft as the holder reads it: on a host with
// /etc/protocols, and on one without (a minimal Debian has no netbase), where nft gives numbers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import { attemptsListed } from '../../src/worker/namespace/network-trap.js';

const TRAP = fileURLToPath(new URL('../../src/worker/namespace/network-trap.js', import.meta.url));

/** Arms the trap in a network namespace of its own, sends a DNS query and a TCP connect, and returns nft's listing. */
function listingAfterAttempts(maskProtocols: boolean): string {
  const attempt = `
import { armTrap, takeAttempts } from ${JSON.stringify(TRAP)};
import dgram from 'node:dgram';
import net from 'node:net';
await armTrap();
const udp = dgram.createSocket('udp4');
await new Promise((r) => udp.send(Buffer.from('q'), 53, '198.51.100.53', () => r()));
udp.close();
await new Promise((r) => net.connect(443, '198.51.100.7').on('error', r).on('connect', r));
await takeAttempts('build', false); // must parse whatever this nft prints
const { execFileSync } = await import('node:child_process');
process.stdout.write(execFileSync('nft', ['-j', 'list', 'table', 'inet', 'contractor_trap']));
`;
  // A host without the file (a minimal Debian) is already the masked case.
  const mask = maskProtocols
    ? 'if [ -e /etc/protocols ]; then mount --bind /dev/null /etc/protocols || exit 1; fi; '
    : '';
  return execFileSync(
    'unshare',
    [
      '--user',
      '--map-root-user',
      '--net',
      '--mount',
      'sh',
      '-c',
      `${mask}exec node --input-type=module -e "$0"`,
      attempt,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
}

for (const masked of [false, true]) {
  test(`a DNS query is dns and a connect is network, ${masked ? 'without' : 'with'} /etc/protocols`, () => {
    const listing = listingAfterAttempts(masked);
    if (masked)
      assert.match(listing, /"198\.51\.100\.53",\s*17,/, 'nft named the protocol after all');
    const v = attemptsListed(listing, 'build');
    const dns = v.find((x) => x.host === '198.51.100.53');
    assert.equal(dns?.kind, 'dns', listing);
    assert.equal(dns?.port, 53);
    assert.equal(dns?.detail, 'DNS query to 198.51.100.53 (udp)');
    const tcp = v.find((x) => x.host === '198.51.100.7');
    assert.equal(tcp?.kind, 'network');
    assert.equal(tcp?.detail, 'direct tcp connection to 198.51.100.7 port 443');
  });
}

test.run();
