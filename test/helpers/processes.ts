// What is running on this machine, from /proc: to prove a job left nothing behind.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { ownerTagOf } from '../../src/worker/owner-tag.js';

export interface ProcessInfo {
  pid: number;
  cmdline: string;
}

export function processes(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        return cmdline ? [{ pid: Number(name), cmdline }] : [];
      } catch {
        return [];
      }
    });
}

export function processesMatching(marker: string): ProcessInfo[] {
  return processes().filter((p) => p.pid !== process.pid && p.cmdline.includes(marker));
}

/** The owner tag of a process that has run and exited: what a killed run's names carry. */
export async function deadOwnerTag(): Promise<string> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const tag = ownerTagOf(child.pid as number) as string;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return tag;
}
