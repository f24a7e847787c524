// The host's own Debian mirror and release, read from its apt sources: nothing is hard-coded.
import { readFile } from 'node:fs/promises';

export interface AptSource {
  mirror: string;
  suite: string;
}

function fromDeb822(text: string, suite: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
    const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
    if (uri && suites.includes(suite)) return uri;
  }
  return undefined;
}

function fromList(text: string, suite: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
    if (m && m[2] === suite) return m[1];
  }
  return undefined;
}

export async function hostAptSource(): Promise<AptSource> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const suite = /^VERSION_CODENAME=(\w+)/m.exec(osRelease)?.[1];
  if (!suite) throw new Error('cannot tell the host Debian release from /etc/os-release');
  const deb822 = await readFile('/etc/apt/sources.list.d/debian.sources', 'utf8').catch(() => '');
  const list = await readFile('/etc/apt/sources.list', 'utf8').catch(() => '');
  const mirror = fromDeb822(deb822, suite) ?? fromList(list, suite);
  if (!mirror) throw new Error(`no apt source for ${suite} in /etc/apt/sources.list(.d): add one`);
  return { mirror, suite };
}
