// `contractor manager serve --stdio`, reachable without loading the rest of the CLI: it is a
// manager host's SSH forced command and starts once for every remote job.
import { Console } from 'node:console';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ContractorError } from '../errors.js';
import { unsignedLocalExecutor } from '../manager/executor.js';
import { CLIENT_NAME, takeJobSlot, type SlotLimits } from '../manager/remote/job-slots.js';
import { signWithManagerKey } from '../manager/remote/manager-signing.js';
import { RunningJobs } from '../manager/remote/running-jobs.js';
import { serveStdio } from '../manager/serve-stdio.js';
import { contractorHome, policyPath } from '../spec/config-home.js';
import { readPolicyFile } from '../spec/policy.js';
import { exitCodeForError } from './exit-codes.js';

function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => controller.abort());
  return controller.signal;
}

export interface ServeFlags {
  stdio?: boolean;
  capacity?: string;
  client?: string;
  clientJobs?: string;
}

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ContractorError(
      'USAGE',
      `${flag} must be a whole number of jobs, 1 or more, not "${value}"`,
    );
  return n;
}

/** The forced command's limits; the operator wrote them, so a bad one is a usage error. */
export function slotLimits(flags: ServeFlags): SlotLimits {
  if (flags.client !== undefined && !CLIENT_NAME.test(flags.client))
    throw new ContractorError(
      'USAGE',
      `--client "${flags.client}": use letters, digits, . _ and -`,
    );
  if (flags.clientJobs !== undefined && flags.client === undefined)
    throw new ContractorError('USAGE', '--client-jobs needs --client NAME to count the jobs by');
  return {
    capacity:
      flags.capacity === undefined ? availableParallelism() : count(flags.capacity, '--capacity'),
    ...(flags.client !== undefined ? { client: flags.client } : {}),
    ...(flags.clientJobs !== undefined
      ? { perClient: count(flags.clientJobs, '--client-jobs') }
      : {}),
  };
}

/** `manager serve --stdio [--capacity N] [--client NAME] [--client-jobs N]`, or undefined. */
export function parseServeArgs(argv: string[]): ServeFlags | undefined {
  if (argv[0] !== 'manager' || argv[1] !== 'serve' || argv[2] !== '--stdio') return undefined;
  const flags: ServeFlags = { stdio: true };
  const names = {
    '--capacity': 'capacity',
    '--client': 'client',
    '--client-jobs': 'clientJobs',
  } as const;
  for (let i = 3; i < argv.length; i += 2) {
    const name = names[argv[i] as keyof typeof names];
    const value = argv[i + 1];
    if (!name || value === undefined) return undefined;
    flags[name] = value;
  }
  return flags;
}

export async function serveManager(flags: ServeFlags): Promise<void> {
  if (!flags.stdio)
    throw new ContractorError(
      'USAGE',
      'contractor manager serve needs --stdio: run it as the forced command of a client key in authorized_keys',
    );
  // stdout carries the protocol: anything else printing there would corrupt a frame.
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
  const limits = slotLimits(flags);
  const source = policyPath();
  try {
    await serveStdio({
      input: process.stdin,
      output: process.stdout,
      // Signed by the hook below, and only once the operator has made a key.
      execute: unsignedLocalExecutor,
      ceiling: { policy: await readPolicyFile(source), source },
      running: new RunningJobs(join(contractorHome(), 'manager', 'running')),
      takeSlot: () => takeJobSlot(join(contractorHome(), 'manager', 'slots'), limits),
      sign: signWithManagerKey(contractorHome()),
      signal: abortOnSignals(),
    });
  } finally {
    // The client may keep its end open; this session is over either way.
    process.stdin.destroy();
  }
}

/** bin/contractor.js comes here for `manager serve --stdio`; anything else goes to the full CLI. */
export async function main(name: string, argv: string[]): Promise<number> {
  const flags = parseServeArgs(argv);
  if (!flags) return (await import('./main.js')).main(name, argv);
  try {
    await serveManager(flags);
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return exitCodeForError(err);
  }
}
