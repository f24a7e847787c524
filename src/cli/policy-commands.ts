// `contractor policy suggest [RESULT]`: an allowlist for review, from an audited run's network log.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ContractorError } from '../errors.js';
import { gitDir, repositoryRoot } from '../git/repository.js';
import type { JobResult } from '../manager/job.js';
import { terminalSafe } from '../report/terminal-text.js';
import { suggestAllowlist } from '../spec/policy-suggest.js';
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

export function addPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('work with the trusted network policy');
  policy
    .command('suggest')
    .description('print the smallest allowlist that would have let an audited run pass, for review')
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
        `# from ${path}`,
        '# review before committing: exact hosts only, no wildcards added',
      ];
      const cut = r.omitted?.network ?? 0;
      if (cut)
        lines.push(
          `# the run kept the first ${requested.length} of ${requested.length + cut} requests: a host first reached after those is not listed`,
        );
      lines.push(
        stringify({
          network: { allow: s.allow, ...(s.buildNeedsNetwork ? { build: true } : {}) },
        }).trimEnd(),
      );
      // The build chose these names and details: quoted, so none can end its comment line and
      // become a line of the policy the user pastes this into.
      for (const v of direct) {
        lines.push(
          `# not allowable through the proxy: ${v.kind} ${JSON.stringify(destinationOf(v))} (${JSON.stringify(v.detail)})`,
        );
      }
      console.log(terminalSafe(lines.join('\n')));
    });
}
