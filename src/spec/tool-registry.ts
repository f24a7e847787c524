// Which package registry the user's own tools fetch from (their configuration, a mirror included),
// asked of the tools themselves: Contractor names no registry of its own choosing.
import { execFile } from 'node:child_process';
import type { RegistryKind } from './starter-spec.js';

export interface ToolRegistry {
  /** The allowlist entry for it: the host, with its port when that is not 80 or 443. */
  host: string;
  /** What tells the tool inside the worker to use it (the worker sees no user configuration). */
  env: Record<string, string>;
}

function ask(cwd: string, cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: 20_000, encoding: 'utf8' }, (err, out) =>
      resolve(err ? '' : out.trim()),
    );
  });
}

function entryOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    return u.port ? `${u.hostname}:${u.port}` : u.hostname;
  } catch {
    return undefined;
  }
}

/** The first URL in GOPROXY's list (its other words, `direct` and `off`, name no host). */
function firstProxyUrl(list: string): string {
  return list.split(/[,|]/).find((e) => /^https?:\/\//.test(e)) ?? '';
}

async function registryUrl(kind: RegistryKind, cwd: string): Promise<[string, string]> {
  switch (kind) {
    case 'npm':
      return ['npm_config_registry', await ask(cwd, 'npm', ['config', 'get', 'registry'])];
    case 'pip':
      return [
        'PIP_INDEX_URL',
        await ask(cwd, 'python3', ['-m', 'pip', 'config', 'get', 'global.index-url']),
      ];
    case 'go':
      return ['GOPROXY', firstProxyUrl(await ask(cwd, 'go', ['env', 'GOPROXY']))];
    case 'cargo':
      // Cargo has no stable command that prints its registry.
      return ['', ''];
  }
}

/** The registry the user's tool uses in cwd, or undefined when the tool is absent or says none. */
export async function toolRegistry(
  kind: RegistryKind,
  cwd: string,
): Promise<ToolRegistry | undefined> {
  const [name, url] = await registryUrl(kind, cwd);
  const host = url ? entryOf(url) : undefined;
  return host ? { host, env: { [name]: url } } : undefined;
}
