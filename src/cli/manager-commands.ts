// `contractor manager serve --stdio` (a manager host's SSH forced command) and `contractor manager status`.
import type { Command } from 'commander';
import {
  managersConfigPath,
  readManagersConfig,
  selectManagers,
} from '../manager/remote/manager-config.js';
import { openSshSession } from '../manager/remote/ssh-session.js';
import { serveManager } from './manager-serve.js';

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
    .option('--capacity <n>', 'jobs this host runs at once, across all sessions (default: CPUs)')
    .option('--client <name>', "this key's name, for --client-jobs (set it in authorized_keys)")
    .option('--client-jobs <n>', 'jobs this client key runs at once (default: --capacity)')
    .action(serveManager);
  manager
    .command('status')
    .description('connect to each configured manager (pinned host key) and show its load')
    .argument('[managers]', 'NAME, A,B or * (default: all in $CONTRACTOR_HOME/config.yaml)', '*')
    .option('--json', 'print the status as JSON')
    .action(status);
}
