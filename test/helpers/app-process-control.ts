// Starts the App in a child process and waits for its address; the caller kills it however it likes.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppProcessConfig } from './app-process.js';

export interface AppProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stderr: () => string;
  /** SIGKILL: no shutdown handler runs, exactly like a crash or an OOM kill. */
  kill: () => Promise<void>;
}

const SCRIPT = new URL('./app-process.js', import.meta.url).pathname;

export async function spawnApp(config: AppProcessConfig, dir: string): Promise<AppProcess> {
  const file = join(dir, `app-config-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [SCRIPT, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', (code) =>
      reject(new Error(`the App exited (${code}) before listening: ${err}`)),
    );
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    stderr: () => err,
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
