// Entry point for `contractor` and `git-contractor`: wiring only, no logic of its own.
import { Command, CommanderError } from 'commander';
import { ContractorError } from '../errors.js';
import { terminalSafe } from '../report/terminal-text.js';
import { CONTRACTOR_VERSION } from '../version.js';
import { EXIT, exitCodeForError } from './exit-codes.js';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs (or for help): a pre-push hook must
 * not pay for the GitHub App, ssh2 and the image builder on every push.
 */
const COMMAND_MODULES: [string[], () => Promise<Register>][] = [
  [['dump', 'check'], async () => (await import('./spec-commands.js')).addSpecCommands],
  [['init'], async () => (await import('./init-command.js')).addInitCommand],
  [['run', 'build'], async () => (await import('./run-commands.js')).addRunCommands],
  [
    ['hooks', 'pre-push', 'log', 'show'],
    async () => (await import('./git-commands.js')).addGitCommands,
  ],
  [['policy'], async () => (await import('./policy-commands.js')).addPolicyCommands],
  [['image'], async () => (await import('./image-commands.js')).addImageCommands],
  [['keys'], async () => (await import('./keys-commands.js')).addKeysCommands],
  [['verify'], async () => (await import('./verify-command.js')).addVerifyCommand],
  [['doctor'], async () => (await import('./doctor-command.js')).addDoctorCommand],
  [['manager'], async () => (await import('./manager-commands.js')).addManagerCommands],
  [['app'], async () => (await import('./app-commands.js')).addAppCommands],
];

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

/** The program with every command, or with only `only`'s when argv names a known command. */
export async function buildProgram(name: string, only?: string): Promise<Command> {
  const program = new Command(name)
    .description('Contractor: build and test every commit in an isolated worker')
    .version(CONTRACTOR_VERSION)
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const chosen = COMMAND_MODULES.filter(([names]) => names.includes(only ?? ''));
  const version = only === '--version' || only === '-V';
  if (!version)
    for (const [, load] of chosen.length ? chosen : COMMAND_MODULES) (await load())(program);
  exitOverrideEverywhere(program);
  return program;
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed help, the version, or the usage problem.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    return err.exitCode === 0 ? 0 : EXIT.usage;
  }
  // Messages quote specs, revisions and git's words, any of which a hostile repository chose.
  if (err instanceof ContractorError) {
    process.stderr.write(terminalSafe(err.message) + '\n');
    return exitCodeForError(err);
  }
  const what = (err as Error)?.stack ?? String(err);
  process.stderr.write(`contractor: internal error: ${terminalSafe(what)}\n`);
  return EXIT.infrastructure;
}

export async function main(name: string, argv: string[]): Promise<number> {
  // `contractor --help | head` closes our stdout early: that is the reader's choice, not a crash.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const warm = mayRunLocalNamespaceJob(argv) ? await import('../manager/drivers.js') : undefined;
  try {
    warm?.warmLocalWorker();
    await (await buildProgram(name, argv[0])).parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    return report(err);
  } finally {
    warm?.discardWarmWorker();
  }
}

/** The value of --NAME in argv, as `--NAME V` or `--NAME=V`; undefined when absent. */
function flagValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/**
 * Whether this command line will most likely run a job in this machine's namespace driver, whose
 * holder then starts while the CLI loads. A wrong guess costs one idle holder, ended unused.
 */
function mayRunLocalNamespaceJob(argv: string[]): boolean {
  if (argv[0] !== 'run' && argv[0] !== 'build') return false;
  if (argv.includes('-h') || argv.includes('--help')) return false;
  const driver = flagValue(argv, 'driver');
  const manager = flagValue(argv, 'manager');
  return (driver ?? 'namespace') === 'namespace' && (manager ?? 'local') === 'local';
}
