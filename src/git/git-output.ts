// One git command, its stdout. Every run and every push goes through here rather than
// simple-git: importing simple-git costs ~20 ms here and each of its calls ~4 ms more than this.
import { execFile } from 'node:child_process';

const MAX_OUTPUT = 64 * 1024 ** 2;

/** git's stdout as bytes; `input` is written to its stdin, which is closed either way. */
export function gitBytes(cwd: string, args: string[], input?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const git = execFile(
      'git',
      args,
      { cwd, maxBuffer: MAX_OUTPUT, encoding: 'buffer' },
      (err, stdout, stderr) => {
        if (err)
          reject(new Error(`git ${args.join(' ')}: ${stderr.toString().trim() || err.message}`));
        else resolve(stdout);
      },
    );
    git.stdin?.on('error', () => undefined); // its exit status says why it stopped reading
    git.stdin?.end(input);
  });
}

export async function gitOutput(cwd: string, args: string[]): Promise<string> {
  return (await gitBytes(cwd, args)).toString('utf8');
}
