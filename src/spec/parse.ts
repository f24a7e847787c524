// Reads .contractor.yaml into a typed Spec, or a SpecError whose problems point at file:line:col.
import { cacheEnv, type CacheKind } from './dependency-cache.js';
import { shellArgv } from './phase-shell.js';
import { open, type FileHandle } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { ContractorError, SpecError } from '../errors.js';
import { validator } from './validators.js';
import { schemaProblems } from './problems.js';
import { locate } from './locate.js';
import { MAX_SPEC_BYTES, specTooLarge } from './spec-file.js';
import { parseDuration, parseRate, parseSize } from './units.js';
import type { DriverName, Limits, Spec } from './types.js';

export async function readSpec(file: string): Promise<Spec> {
  let text: string;
  let handle: FileHandle | undefined;
  try {
    handle = await open(file);
    const { size } = await handle.stat();
    if (size > MAX_SPEC_BYTES) throw specTooLarge(file, size);
    text = await handle.readFile('utf8');
  } catch (err) {
    if (err instanceof SpecError) throw err;
    throw new ContractorError('USAGE', `cannot read spec ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    await handle?.close();
  }
  return parseSpec(text, file);
}

export function parseSpec(text: string, file: string): Spec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    throw new SpecError(
      'SPEC_SYNTAX',
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { file, line: pos.line, col: pos.col, message: firstLine(e.message) };
      }),
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const validate = validator('spec');
  if (!validate(data)) {
    throw new SpecError('SPEC_INVALID', schemaProblems(file, doc, lines, validate.errors ?? []));
  }
  const raw = data as Record<string, unknown>;
  const refusal = workspaceRefusal(raw.workspace);
  if (refusal) {
    const pos = locate(doc, lines, ['workspace']);
    throw new SpecError('SPEC_INVALID', [{ file, ...pos, message: refusal }]);
  }
  return toSpec(file, raw);
}

/** The spec's workspace path as its directory names, with empty and `.` parts dropped. */
export function workspaceParts(workspace: string): string[] {
  return workspace.split('/').filter((p) => p !== '' && p !== '.');
}

/**
 * The workspace is replaced whole by what the build leaves: naming the work tree itself, or git's
 * own directory, would let a commit's build delete the user's files or plant a hook that runs on
 * their next commit. Symbolic links and tracked files are checked on the host (workspace-location.ts).
 */
function workspaceRefusal(workspace: unknown): string | undefined {
  if (typeof workspace !== 'string') return undefined;
  const parts = workspaceParts(workspace);
  if (!parts.length)
    return `workspace ${JSON.stringify(workspace)} is the directory the spec is in; name a directory inside it`;
  if (parts.some((p) => p.toLowerCase() === '.git'))
    return `workspace ${JSON.stringify(workspace)} is inside git's own directory; name a directory of the work tree`;
  return undefined;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function toSpec(file: string, raw: Record<string, unknown>): Spec {
  const limits = (raw.limits ?? {}) as Record<string, unknown>;
  const network = (raw.network ?? {}) as { allow?: string[] };
  // The spec's own env wins over what its `cache:` shorthand sets.
  const env = {
    ...cacheEnv((raw.cache ?? []) as CacheKind[]),
    ...Object.fromEntries(
      Object.entries((raw.env ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    ),
  };
  return {
    file,
    raw,
    workerImage: raw['worker-image'] as string | undefined,
    ansible: raw.ansible as unknown[] | undefined,
    source: raw.source as string | undefined,
    workspace: raw.workspace as string | undefined,
    setup: raw.setup as string | undefined,
    build: raw.build as string,
    driver: raw.driver as DriverName | undefined,
    ...(raw.containers === true ? { containers: true } : {}),
    allow: network.allow ?? [],
    limits: toLimits(limits),
    artifacts: (raw.artifacts as string[] | undefined) ?? [],
    env,
    shell: shellArgv(raw.shell as string | string[] | undefined),
  };
}

function toLimits(l: Record<string, unknown>): Partial<Limits> {
  const out: Partial<Limits> = {};
  if (typeof l.wall === 'string') out.wallMs = parseDuration(l.wall);
  if (typeof l.cpu === 'string') out.cpuMs = parseDuration(l.cpu);
  if (typeof l.memory === 'string') out.memoryBytes = parseSize(l.memory);
  if (typeof l.processes === 'number') out.processes = l.processes;
  if (typeof l.disk === 'string') out.diskBytes = parseSize(l.disk);
  if (typeof l.log === 'string') out.logBytes = parseSize(l.log);
  if (typeof l.bandwidth === 'string') out.bandwidthBytesPerSec = parseRate(l.bandwidth);
  return out;
}
