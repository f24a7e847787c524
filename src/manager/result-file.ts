// A run's result.json: replaced whole, so a reader never sees half of one.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobResult } from './job.js';

export async function writeResultFile(result: JobResult): Promise<void> {
  const path = join(result.outDir, 'result.json');
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, JSON.stringify(result, null, 2) + '\n');
  await rename(partial, path);
}
