// What is running on this machine, from /proc: to prove a job left nothing behind.
import { readdirSync, readFileSync } from 'node:fs';

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
