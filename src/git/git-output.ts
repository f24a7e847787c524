// One git command, its stdout. Every run and every push goes through here rather than
// simple-git: importing simple-git costs ~20 ms here and each of its calls ~4 ms more than this.
import { execFile } from 'node:child_process';

const MAX_OUTPUT = 64 * 1024 ** 2;

/** env: variables to set for this git on top of ours. */
export function gitOutput(
  cwd: string,
  args: string[],
  env?: Record<string, string>,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const options = { cwd, maxBuffer: MAX_OUTPUT, env: env && { ...process.env, ...env } };
    const git = execFile('git', args, options, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
    git.stdin?.end(); // git asks nothing of its stdin here
  });
}
