// `contractor dump FILE` and `contractor check FILE`.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { ContractorError, SpecError } from '../errors.js';
import { readSpec } from '../spec/parse.js';
import { looksLikePolicy } from '../spec/policy-shape.js';

export function addSpecCommands(program: Command): void {
  program
    .command('dump')
    .description('parse and validate a spec, then print it as JSON')
    .argument('<file>', 'the spec, e.g. .contractor.yaml')
    .action(async (file: string) => {
      const spec = await readSpec(file);
      process.stdout.write(JSON.stringify(spec.raw, null, 2) + '\n');
    });

  program
    .command('check')
    .description('validate a spec; prints nothing and exits 0 when it is valid')
    .argument('<file>', 'the spec, e.g. .contractor.yaml')
    .action(async (file: string) => {
      try {
        await readSpec(file);
      } catch (err) {
        throw (await policyInstead(file, err)) ?? err;
      }
    });
}

/** A policy given to the spec checker: say which command checks it, rather than what a spec lacks. */
async function policyInstead(file: string, err: unknown): Promise<ContractorError | undefined> {
  if (!(err instanceof SpecError)) return undefined;
  const text = await readFile(file, 'utf8').catch(() => '');
  if (!looksLikePolicy(text)) return undefined;
  return new ContractorError(
    'USAGE',
    `${file} is a trusted policy, not a spec (it has policy keys and no build:); check it with \`contractor policy check ${file}\``,
  );
}
