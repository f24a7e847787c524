// The real docker CLI against one engine's socket, for the container benchmarks: DIR is its home
// and working directory; resolves when it exits 0, else rejects with what it printed.
import { spawn } from 'node:child_process';

export function docker(socket: string, dir: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        DOCKER_HOST: `unix://${socket}`,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`docker ${args.join(' ')}: ${err}`)),
    );
  });
}
