// The worker image's mirror comes from the host's apt sources, read as apt reads them.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import { hostAptSource } from '../../src/worker/image/apt-source.js';

const roots: string[] = [];

/** A root holding these files under etc/, and an os-release naming bookworm unless one is given. */
function host(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'contractor-apt-test-'));
  roots.push(root);
  const all = { 'etc/os-release': 'ID=debian\nVERSION_CODENAME=bookworm\n', ...files };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const stanza = (uri: string, suites: string, extra = ''): string =>
  `Types: deb\n# ${uri}/snapshot\nURIs: ${uri}\nSuites: ${suites}\nComponents: main\n${extra}`;

test('a deb822 file of any name in sources.list.d, as mmdebstrap writes it', async () => {
  const root = host({
    'etc/apt/sources.list.d/0000debian.sources': [
      stanza('http://mirror.invalid/debian', 'bookworm bookworm-updates'),
      stanza('http://mirror.invalid/debian-security', 'bookworm-security'),
    ].join('\n'),
  });
  assert.deepEqual(await hostAptSource(root), {
    mirror: 'http://mirror.invalid/debian',
    suite: 'bookworm',
  });
});

test('sources.list first, then sources.list.d by name, as apt reads them', async () => {
  const d = 'etc/apt/sources.list.d';
  const both = host({
    'etc/apt/sources.list': 'deb [signed-by=/k.gpg] http://first.invalid/debian bookworm main\n',
    [`${d}/a.sources`]: stanza('http://second.invalid/debian', 'bookworm'),
  });
  assert.equal((await hostAptSource(both)).mirror, 'http://first.invalid/debian');
  const named = host({
    [`${d}/b.list`]: 'deb http://b.invalid/debian bookworm main\n',
    [`${d}/a.sources`]: stanza('http://a.invalid/debian', 'bookworm'),
  });
  assert.equal((await hostAptSource(named)).mirror, 'http://a.invalid/debian');
});

test('what apt would not use is passed over', async () => {
  const d = 'etc/apt/sources.list.d';
  const root = host({
    'etc/apt/sources.list':
      '# deb http://commented.invalid/debian bookworm main\n' +
      'deb-src http://source.invalid/debian bookworm main\n' +
      'deb http://other-release.invalid/debian trixie main\n',
    [`${d}/a.sources`]: stanza('http://disabled.invalid/debian', 'bookworm', 'Enabled: no\n'),
    [`${d}/b.sources`]: stanza('http://src.invalid/debian', 'bookworm').replace(
      'Types: deb',
      'Types: deb-src',
    ),
    [`${d}/c.list.disabled`]: 'deb http://renamed.invalid/debian bookworm main\n',
    [`${d}/d.sources`]: stanza('http://used.invalid/debian', 'bookworm-updates bookworm'),
  });
  assert.equal((await hostAptSource(root)).mirror, 'http://used.invalid/debian');
});

test('no source for the release, or no release, is an error that says which', async () => {
  const none = host({ 'etc/apt/sources.list': 'deb http://x.invalid/debian trixie main\n' });
  await assert.rejects(
    hostAptSource(none),
    /no apt source for bookworm in \/etc\/apt\/sources\.list/,
  );
  const unnamed = host({ 'etc/os-release': 'ID=debian\n' });
  await assert.rejects(hostAptSource(unnamed), /cannot tell the host Debian release/);
});

test.after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

test.run();
