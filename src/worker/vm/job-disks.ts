// The throwaway disks of one boot: the job description, the input tar, and the empty workspace disk.
import { DEFAULT_SHELL } from '../../spec/phase-shell.js';
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { appendFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { Limits } from '../../spec/types.js';
import type { PhaseRequest } from '../driver.js';
import { SECCOMP_LOADER_PERL, seccompProgram } from '../seccomp-loader.js';
import { JOB_MOUNT } from './guest-init.js';
import { toolEnv } from '../tool-path.js';

const run = promisify(execFile);
const SECTOR = 512;

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Each phase runs as `perl seccomp-loader.pl seccomp.bpf env -i <scrubbed env> sh -e NAME.sh`: the
 * guest shell never parses the env, and the script text never shows in a process's argv.
 */
export async function buildJobDisk(
  tarPath: string,
  dir: string,
  phases: PhaseRequest[],
  env: string[],
  limits: Limits,
  extra: Record<string, string | Buffer> = {},
): Promise<void> {
  await mkdir(dir);
  const files: Record<string, string | Buffer> = {
    ...extra,
    phases: phases.map((p) => p.name).join(' ') + '\n',
    processes: `${limits.processes}\n`,
    memory: `${limits.memoryBytes}\n`,
    cpu_ms: `${limits.cpuMs}\n`,
    disk: `${limits.diskBytes}\n`,
    'seccomp-loader.pl': SECCOMP_LOADER_PERL,
    'seccomp.bpf': seccompProgram(),
  };
  for (const p of phases) {
    files[`${p.name}.sh`] = p.script;
    const loader = `/usr/bin/perl ${JOB_MOUNT}/seccomp-loader.pl ${JOB_MOUNT}/seccomp.bpf`;
    files[`${p.name}.run`] =
      `exec ${loader} /usr/bin/env -i ${env.map(shellQuote).join(' ')} ${(p.shell ?? DEFAULT_SHELL).map(shellQuote).join(' ')} ${JOB_MOUNT}/${p.name}.sh\n`;
  }
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  await run('tar', ['-c', '-f', tarPath, '--owner=0', '--group=0', '-C', dir, '.']);
}

/** A block device is read in whole sectors: the tar is padded with zeros, which tar reads as its end. */
export async function writeInputDisk(input: Readable, path: string): Promise<void> {
  await pipeline(input, createWriteStream(path));
  const size = (await stat(path)).size;
  const pad = (SECTOR - (size % SECTOR)) % SECTOR;
  await appendFile(path, Buffer.alloc(pad + 2 * SECTOR));
}

/** The host makes an empty file system on a sparse file and never mounts it. */
export async function makeScratchDisk(path: string, bytes: number): Promise<void> {
  const size = Math.max(16 * 1024 ** 2, Math.floor(bytes / 4096) * 4096);
  await writeFile(path, '');
  await run('truncate', ['-s', String(size), path]);
  await new Promise<void>((resolve, reject) => {
    const mkfs = spawn(
      'mkfs.ext4',
      ['-q', '-F', '-O', '^has_journal', '-E', 'lazy_itable_init=1,nodiscard', '-m', '0', path],
      { stdio: ['ignore', 'ignore', 'pipe'], env: toolEnv() },
    );
    let err = '';
    mkfs.stderr.on('data', (c: Buffer) => (err += c.toString()));
    mkfs.on('error', reject);
    mkfs.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`mkfs.ext4 failed: ${err.trim()}`)),
    );
  });
}
