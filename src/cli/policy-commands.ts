// `contractor policy init | show | check | suggest`: the trusted policy, written, explained, validated and learned.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { ContractorError } from '../errors.js';
import { gitDir, repositoryRoot } from '../git/repository.js';
import type { JobResult } from '../manager/job.js';
import { table } from '../report/summary.js';
import { terminalSafe } from '../report/terminal-text.js';
import { readSpec } from '../spec/parse.js';
import { DEFAULT_POLICY, parsePolicy } from '../spec/policy.js';
import { explainPolicy } from '../spec/policy-explain.js';
import { STARTER_POLICY } from '../spec/starter-policy.js';
import { suggestAllowlist, type Suggestion } from '../spec/policy-suggest.js';
import { policyPath } from '../spec/config-home.js';
import { SPEC_FILE } from '../spec/spec-file.js';
import { destinationOf } from '../net/violation.js';

async function latestResult(cwd: string): Promise<string> {
  const runs = join(await gitDir(await repositoryRoot(cwd)), 'contractor', 'runs');
  const ids = (await readdir(runs).catch(() => [])).sort();
  const last = ids.at(-1);
  if (!last)
    throw new ContractorError(
      'USAGE',
      `no runs under ${runs}; run git contractor run --audit first`,
    );
  return join(runs, last, 'result.json');
}

async function readResult(file: string): Promise<JobResult> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as JobResult;
  } catch (err) {
    throw new ContractorError(
      'USAGE',
      `cannot read a result document from ${file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** A scalar safe on one YAML line: plain when it is a plain host[:port], else JSON-quoted (valid YAML). */
function yamlScalar(text: string): string {
  return /^[a-z0-9][a-z0-9.:-]*$/i.test(text) ? text : JSON.stringify(text);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The spec's block and the policy's, as two YAML documents, each entry with what the run asked of it. */
function suggestionLines(s: Suggestion, policySource: string): string[] {
  const entries = s.entries.map(
    (e) =>
      `    - ${yamlScalar(e.entry)} # ${plural(e.requests, 'request')} in ${e.phases.join(' and ')}`,
  );
  const allow = entries.length ? ['  allow:', ...entries] : ['  allow: []'];
  return [
    `# 1. for network: in ${SPEC_FILE}, what this build asks for:`,
    'network:',
    ...allow,
    '---',
    `# 2. for network: in your trusted policy (${JSON.stringify(policySource)}), what you allow any build:`,
    'network:',
    ...allow.map((l) => l.replace(/ # .*$/, '')),
    ...(s.buildNeedsNetwork
      ? [
          '  build: true # the build phase itself reached these hosts: prefer moving downloads to setup:',
        ]
      : []),
  ];
}

/** Attempts the proxy could never carry (raw sockets, DNS, ...), one line per kind of attempt, counted. */
function directLines(direct: JobResult['violations']): string[] {
  const counts = new Map<string, number>();
  // The build chose these names and details: quoted, so none can end its comment line and
  // become a line of the policy the user pastes this into.
  for (const v of direct) {
    const line = `${v.kind} ${JSON.stringify(destinationOf(v))} (${JSON.stringify(v.detail)})`;
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return [...counts].map(
    ([line, n]) => `# not allowable through the proxy${n > 1 ? ` (${n} times)` : ''}: ${line}`,
  );
}

async function readIfThere(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ContractorError('POLICY', `cannot read policy ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function initPolicy(file: string, force: boolean): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(file, STARTER_POLICY, { flag: force ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new ContractorError(
      'USAGE',
      `${file} already exists; edit it, or pass --force to replace it with the starting policy`,
    );
  }
  console.log(
    `wrote ${file}: the defaults, commented; add the hosts your builds need to network.allow`,
  );
}

async function showPolicy(flags: {
  policy?: string;
  repo?: string;
  json?: boolean;
}): Promise<void> {
  const file = flags.policy ?? policyPath();
  const text = await readIfThere(file);
  const policy = text === undefined ? DEFAULT_POLICY : parsePolicy(text, file);
  const spec = flags.repo ? await readSpec(join(flags.repo, SPEC_FILE)) : undefined;
  const rows = explainPolicy(policy, file, text, spec);
  if (flags.json) return void console.log(JSON.stringify(rows, null, 2));
  console.log(
    terminalSafe(
      table([['KEY', 'VALUE', 'FROM'], ...rows.map((r) => [r.key, r.value, r.from])]).join('\n'),
    ),
  );
}

async function checkPolicy(file: string): Promise<void> {
  const text = await readIfThere(file);
  if (text === undefined) throw new ContractorError('USAGE', `no policy at ${file}`);
  parsePolicy(text, file);
}

export function addPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('work with the trusted network policy');
  policy
    .command('init')
    .description(
      'write a starting policy.yaml, every key commented (default: $CONTRACTOR_HOME/policy.yaml)',
    )
    .argument('[file]', 'where to write it')
    .option('--force', 'replace a policy that is already there')
    .action((file: string | undefined, flags: { force?: boolean }) =>
      initPolicy(file ?? policyPath(), Boolean(flags.force)),
    );
  policy
    .command('show')
    .description('print the effective ceiling and where each value comes from')
    .option('--policy <file>', 'trusted policy file (default: $CONTRACTOR_HOME/policy.yaml)')
    .option('--repo <dir>', "also show what this repository's .contractor.yaml gets within it")
    .option('--json', 'print the rows as JSON')
    .action(showPolicy);
  policy
    .command('check')
    .description('validate a trusted policy; prints nothing and exits 0 when it is valid')
    .argument('<file>', 'the policy, e.g. ~/.config/contractor/policy.yaml')
    .action(checkPolicy);
  policy
    .command('suggest')
    .description(
      'print the spec and policy entries that would have let an audited run pass, for review',
    )
    .argument('[result]', 'a result.json (default: the latest run in this repository)')
    .action(async (file: string | undefined) => {
      const path = file ?? (await latestResult(process.cwd()));
      const r = await readResult(path);
      // A line with no host is the proxy's own (a connection closed as one too many), not a request.
      const requested = (r.network ?? [])
        .filter((n) => n.host)
        .map((n) => ({
          host: n.host,
          port: n.port,
          phase: n.phase,
        }));
      const s = suggestAllowlist(requested);
      const proxied = new Set(requested.map((q) => q.host));
      const direct = (r.violations ?? []).filter(
        (v) => v.kind !== 'network' || !proxied.has(v.host ?? ''),
      );
      const lines = [
        `# from ${JSON.stringify(path)}`,
        '# review before committing: exact hosts only, no wildcards added',
      ];
      const cut = r.omitted?.network ?? 0;
      if (cut)
        lines.push(
          `# the run kept the first ${requested.length} of ${requested.length + cut} requests: a host first reached after those is not listed`,
        );
      lines.push(...suggestionLines(s, r.policy?.source ?? policyPath()), ...directLines(direct));
      console.log(terminalSafe(lines.join('\n')));
    });
}
