// `contractor dump FILE` and `contractor check FILE`.
import type { Command } from 'commander';
import { readSpec } from '../spec/parse.js';

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
      await readSpec(file);
    });
}
