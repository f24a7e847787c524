// Entry point for `contractor` and `git-contractor`: wiring only, no logic of its own.
import { Command, CommanderError } from 'commander';
import { ContractorError } from '../errors.js';
import { CONTRACTOR_VERSION } from '../version.js';
import { addAppCommands } from './app-commands.js';
import { EXIT, exitCodeForError } from './exit-codes.js';
import { addDoctorCommand } from './doctor-command.js';
import { addGitCommands } from './git-commands.js';
import { addImageCommands } from './image-commands.js';
import { addKeysCommands } from './keys-commands.js';
import { addManagerCommands } from './manager-commands.js';
import { addPolicyCommands } from './policy-commands.js';
import { addRunCommands } from './run-commands.js';
import { addSpecCommands } from './spec-commands.js';
import { addVerifyCommand } from './verify-command.js';

const EXIT_HELP = `
Exit codes (every command):
  0  passed
  1  build failed (or verification failed)
  2  usage or spec error
  3  violation: the build tried something the policy forbids
  4  limit exceeded
  5  infrastructure error (the worker or manager could not do its job)`;

// Every (sub)command throws instead of exiting, so errors reach the one mapping below.
function exitOverrideEverywhere(cmd: Command): void {
  cmd.exitOverride();
  cmd.commands.forEach(exitOverrideEverywhere);
}

export function buildProgram(name: string): Command {
  const program = new Command(name)
    .description('Contractor: build and test every commit in an isolated worker')
    .version(CONTRACTOR_VERSION)
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  addSpecCommands(program);
  addRunCommands(program);
  addGitCommands(program);
  addPolicyCommands(program);
  addImageCommands(program);
  addKeysCommands(program);
  addVerifyCommand(program);
  addDoctorCommand(program);
  addManagerCommands(program);
  addAppCommands(program);
  exitOverrideEverywhere(program);
  return program;
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed help, the version, or the usage problem.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    return err.exitCode === 0 ? 0 : EXIT.usage;
  }
  if (err instanceof ContractorError) {
    process.stderr.write(err.message + '\n');
    return exitCodeForError(err);
  }
  process.stderr.write(`contractor: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.infrastructure;
}

export async function main(name: string, argv: string[]): Promise<number> {
  try {
    await buildProgram(name).parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    return report(err);
  }
}
