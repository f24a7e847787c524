// Runs the real CLI as a user would, in a given directory, with no terminal.
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const CONTRACTOR = fileURLToPath(new URL('../../../bin/contractor.js', import.meta.url));
export const GIT_CONTRACTOR = fileURLToPath(
  new URL('../../../bin/git-contractor.js', import.meta.url),
);

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function contractor(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const r = await execa(process.execPath, [GIT_CONTRACTOR, ...args], {
    cwd,
    reject: false,
    stdin: 'ignore',
    env: { ...env, NO_COLOR: '1' },
    timeout: 300_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
