// One git command, its stdout. Every run and every push goes through here rather than
// simple-git: importing simple-git costs ~20 ms here and each of its calls ~4 ms more than this.
import { execFile } from 'node:child_process';

const MAX_OUTPUT = 64 * 1024 ** 2;

export function gitOutput(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const git = execFile('git', args, { cwd, maxBuffer: MAX_OUTPUT }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
    git.stdin?.end(); // git asks nothing of its stdin here
  });
}
