// `contractor manager serve --stdio` (a manager host's SSH forced command) and `contractor manager status`.
import { Console } from 'node:console';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ContractorError } from '../errors.js';
import { localExecutor } from '../manager/executor.js';
import {
  managersConfigPath,
  readManagersConfig,
  selectManagers,
} from '../manager/remote/manager-config.js';
import { RunningJobs } from '../manager/remote/running-jobs.js';
import { openSshSession } from '../manager/remote/ssh-session.js';
import { serveStdio } from '../manager/serve-stdio.js';
import { contractorHome, policyPath } from '../spec/config-home.js';
import { readPolicyFile } from '../spec/policy.js';

function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => controller.abort());
  return controller.signal;
}

async function serve(flags: { stdio?: boolean }): Promise<void> {
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
      execute: localExecutor,
      ceiling: { policy: await readPolicyFile(source), source },
      running: new RunningJobs(join(contractorHome(), 'manager', 'running')),
      signal: abortOnSignals(),
    });
  } finally {
    // The client may keep its end open; this session is over either way.
    process.stdin.destroy();
  }
}

/** Opens a session with each manager and reads its hello: the same check the pool makes. */
async function status(selection: string, flags: { json?: boolean }): Promise<void> {
  const file = managersConfigPath();
  const managers = selectManagers(selection, await readManagersConfig(file), file);
  const rows = await Promise.all(
    managers.map(async (m) => {
      const at = `${m.name} (${m.user}@${m.host}:${m.port})`;
      try {
        const session = await openSshSession(m);
        session.close();
        const running = session.hello.running ?? 0;
        return {
          name: m.name,
          ok: true,
          running,
          capacity: m.capacity,
          line: `${at}: ${session.hello.software}, ${running} of ${m.capacity} running`,
        };
      } catch (err) {
        return {
          name: m.name,
          ok: false,
          problem: (err as Error).message,
          line: `${at}: ${(err as Error).message}`,
        };
      }
    }),
  );
  if (flags.json)
    process.stdout.write(
      JSON.stringify(
        rows.map(({ line: _line, ...r }) => r),
        null,
        2,
      ) + '\n',
    );
  else process.stdout.write(rows.map((r) => r.line).join('\n') + '\n');
  if (rows.some((r) => !r.ok)) process.exitCode = 5;
}

export function addManagerCommands(program: Command): void {
  const manager = program
    .command('manager')
    .description('run jobs for remote clients, or check the managers this client uses');
  manager
    .command('serve')
    .description("serve one job on stdin/stdout: a manager host's SSH forced command")
    .option('--stdio', 'speak the framed job protocol on stdin and stdout')
    .action(serve);
  manager
    .command('status')
    .description('connect to each configured manager (pinned host key) and show its load')
    .argument('[managers]', 'NAME, A,B or * (default: all in $CONTRACTOR_HOME/config.yaml)', '*')
    .option('--json', 'print the status as JSON')
    .action(status);
}
