// `contractor manager serve --stdio`, reachable without loading the rest of the CLI: it is a
// manager host's SSH forced command and starts once for every remote job.
import { Console } from 'node:console';
import { join } from 'node:path';
import { ContractorError } from '../errors.js';
import { unsignedLocalExecutor } from '../manager/executor.js';
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

export async function serveManager(flags: { stdio?: boolean }): Promise<void> {
  if (!flags.stdio)
    throw new ContractorError(
      'USAGE',
      'contractor manager serve needs --stdio: run it as the forced command of a client key in authorized_keys',
    );
  // stdout carries the protocol: anything else printing there would corrupt a frame.
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
  const source = policyPath();
  try {
    await serveStdio({
      input: process.stdin,
      output: process.stdout,
      // Signed by the hook below, and only once the operator has made a key.
      execute: unsignedLocalExecutor,
      ceiling: { policy: await readPolicyFile(source), source },
      running: new RunningJobs(join(contractorHome(), 'manager', 'running')),
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
  if (argv.length !== 3 || argv[0] !== 'manager' || argv[1] !== 'serve' || argv[2] !== '--stdio')
    return (await import('./main.js')).main(name, argv);
  try {
    await serveManager({ stdio: true });
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return exitCodeForError(err);
  }
}
