// The managers a client may use, from $CONTRACTOR_HOME/config.yaml: validated like a spec, with
// every problem named by file:line:col.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { ContractorError, SpecError } from '../../errors.js';
import { contractorHome } from '../../spec/config-home.js';
import { locate } from '../../spec/locate.js';
import { schemaProblems } from '../../spec/problems.js';
import { loadSchema } from '../../spec/schema.js';

export interface ManagerConfig {
  name: string;
  host: string;
  port: number;
  user: string;
  /** Absolute path of the private key. */
  key: string;
  hostKey?: string;
  /** Absolute path of a known_hosts file. */
  knownHosts?: string;
  capacity: number;
  /** file:line:col of its entry, for messages. */
  where: string;
}

interface RawManager {
  host: string;
  port?: number;
  user: string;
  key: string;
  hostKey?: string;
  knownHosts?: string;
  capacity?: number;
}

export function managersConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(contractorHome(env), 'config.yaml');
}

function expandPath(path: string, base: string): string {
  return path === '~' || path.startsWith('~/')
    ? resolve(homedir(), path.slice(2))
    : resolve(base, path);
}

export async function readManagersConfig(file: string): Promise<ManagerConfig[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ContractorError('USAGE', `cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseManagersConfig(text, file);
}

export function parseManagersConfig(text: string, file: string): ManagerConfig[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length)
    throw new SpecError(
      'SPEC_SYNTAX',
      doc.errors.map((e) => ({
        file,
        ...lines.linePos(e.pos[0]),
        message: e.message.split('\n')[0] ?? '',
      })),
    );
  const data = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as {
    managers?: Record<string, RawManager>;
  };
  const validate = new Ajv({ allErrors: true, verbose: true, strict: true }).compile(
    loadSchema('config.schema.json'),
  );
  if (!validate(data))
    throw new SpecError('SPEC_INVALID', schemaProblems(file, doc, lines, validate.errors ?? []));
  const base = dirname(resolve(file));
  return Object.entries(data.managers ?? {}).map(([name, m]) => {
    const at = locate(doc, lines, ['managers', name], true);
    // Exactly one pin: two could disagree, and none would mean trust on first use.
    if ((m.hostKey === undefined) === (m.knownHosts === undefined))
      throw new SpecError('SPEC_INVALID', [
        {
          file,
          ...at,
          message: `manager "${name}" needs exactly one of hostKey (a SHA256:… fingerprint) or knownHosts (a file); an unpinned host key is never trusted`,
        },
      ]);
    return {
      name,
      host: m.host,
      port: m.port ?? 22,
      user: m.user,
      key: expandPath(m.key, base),
      ...(m.hostKey !== undefined ? { hostKey: m.hostKey } : {}),
      ...(m.knownHosts !== undefined ? { knownHosts: expandPath(m.knownHosts, base) } : {}),
      capacity: m.capacity ?? 1,
      where: `${file}:${at.line}:${at.col}`,
    };
  });
}

/** `NAME`, `A,B`, or `*` for every configured manager. */
export function selectManagers(
  selection: string,
  all: ManagerConfig[],
  file: string,
): ManagerConfig[] {
  if (selection.trim() === '*') {
    if (!all.length)
      throw new ContractorError(
        'USAGE',
        `no managers are configured in ${file}; add one under managers:`,
      );
    return all;
  }
  return selection.split(',').map((raw) => {
    const name = raw.trim();
    const found = all.find((m) => m.name === name);
    if (!found)
      throw new ContractorError(
        'USAGE',
        `no manager named "${name}" in ${file}` +
          (all.length
            ? ` (configured: ${all.map((m) => m.name).join(', ')})`
            : '; add it under managers:'),
      );
    return found;
  });
}
