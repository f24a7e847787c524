// The host's own Debian mirror and release, read from its apt sources: nothing is hard-coded.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface AptSource {
  mirror: string;
  suite: string;
}

/** The first URI of a deb822 stanza that fetches binary packages of suite and is not disabled. */
function fromDeb822(text: string, suite: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string): string[] =>
      new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
    if (/^no$/i.test(field('Enabled')[0] ?? '')) continue;
    if (!field('Types').includes('deb') || !field('Suites').includes(suite)) continue;
    const uri = field('URIs')[0];
    if (uri) return uri;
  }
  return undefined;
}

/** The first one-line `deb` source of suite. */
function fromList(text: string, suite: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
    if (m && m[2] === suite) return m[1];
  }
  return undefined;
}

/**
 * The files apt reads, in its order: sources.list, then each `*.list` and `*.sources` of
 * sources.list.d by name (mmdebstrap writes 0000debian.sources; a mirror may come in any file).
 */
async function sourceFiles(aptDir: string): Promise<{ path: string; deb822: boolean }[]> {
  const dir = join(aptDir, 'sources.list.d');
  const names = (await readdir(dir).catch(() => [] as string[]))
    .filter((n) => /^[\w.-]+\.(list|sources)$/.test(n))
    .sort();
  return [
    { path: join(aptDir, 'sources.list'), deb822: false },
    ...names.map((n) => ({ path: join(dir, n), deb822: n.endsWith('.sources') })),
  ];
}

/** root: where /etc is, for a test; the host's own by default. */
export async function hostAptSource(root = '/'): Promise<AptSource> {
  const osRelease = await readFile(join(root, 'etc/os-release'), 'utf8').catch(() => '');
  const suite = /^VERSION_CODENAME=(\w+)/m.exec(osRelease)?.[1];
  if (!suite) throw new Error('cannot tell the host Debian release from /etc/os-release');
  for (const { path, deb822 } of await sourceFiles(join(root, 'etc/apt'))) {
    const text = await readFile(path, 'utf8').catch(() => '');
    const mirror = deb822 ? fromDeb822(text, suite) : fromList(text, suite);
    if (mirror) return { mirror, suite };
  }
  throw new Error(
    `no apt source for ${suite} in /etc/apt/sources.list or /etc/apt/sources.list.d: add one`,
  );
}
