// `contractor policy suggest [RESULT]`: an allowlist for review, from an audited run's network log.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ContractorError } from '../errors.js';
import { gitDir, repositoryRoot } from '../git/repository.js';
import type { JobResult } from '../manager/job.js';
import { suggestAllowlist } from '../spec/policy-suggest.js';

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
      const requested = (r.network ?? []).map((n) => ({
        host: n.host,
        port: n.port,
        phase: n.phase,
      }));
      const s = suggestAllowlist(requested);
      const direct = r.violations.filter(
        (v) => v.kind !== 'network' || !requested.some((q) => q.host === v.host),
      );
      const lines = [
        `# from ${path}`,
        '# review before committing: exact hosts only, no wildcards added',
      ];
      lines.push(
        stringify({
          network: { allow: s.allow, ...(s.buildNeedsNetwork ? { build: true } : {}) },
        }).trimEnd(),
      );
      for (const v of direct)
        lines.push(
          `# not allowable through the proxy: ${v.kind} ${v.host ?? ''}${v.port ? `:${v.port}` : ''} (${v.detail})`,
        );
      console.log(lines.join('\n'));
    });
}
