// The client's side of one output file: exactly the promised bytes, within the job's budget,
// written under the output directory and checked against the promised sha256 on arrival.
import { createHash } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ContractorError } from '../../errors.js';
import type { Frame } from './frame.js';
import type { FileFrame } from './job-frame.js';
import { checkOutputPath } from './output-path.js';

/** Bytes a manager may still send for this job; shared by all its files. */
export interface ByteBudget {
  remaining: number;
}

export async function receiveFile(
  frames: AsyncIterator<Frame>,
  outDir: string,
  file: FileFrame,
  budget: ByteBudget,
): Promise<void> {
  const target = join(outDir, ...checkOutputPath(file.path));
  if (file.size > budget.remaining)
    throw new ContractorError(
      'PROTOCOL',
      `the manager sent ${file.path} of ${file.size} bytes, over what this job may return (${budget.remaining} bytes left)`,
    );
  budget.remaining -= file.size;
  await mkdir(dirname(target), { recursive: true });
  // 'wx': a path sent twice, or a name the manager tries to reuse, is refused.
  const handle = await open(target, 'wx').catch((err: Error) => {
    throw new ContractorError(
      'PROTOCOL',
      `the manager sent ${file.path} twice or over a directory`,
      {
        cause: err,
      },
    );
  });
  const hash = createHash('sha256');
  let got = 0;
  try {
    while (got < file.size) {
      const { value: frame, done } = await frames.next();
      if (done || frame.kind !== 'data')
        throw new ContractorError(
          'PROTOCOL',
          `${file.path} was cut short at ${got} of ${file.size} bytes`,
        );
      if (got + frame.bytes.length > file.size)
        throw new ContractorError(
          'PROTOCOL',
          `${file.path} is longer than the ${file.size} bytes promised`,
        );
      hash.update(frame.bytes);
      await handle.write(frame.bytes);
      got += frame.bytes.length;
    }
  } catch (err) {
    await handle.close();
    await rm(target, { force: true });
    throw err;
  }
  await handle.close();
  const sha256 = hash.digest('hex');
  if (sha256 !== file.sha256) {
    await rm(target, { force: true });
    throw new ContractorError(
      'PROTOCOL',
      `${file.path} arrived with sha256 ${sha256}, not the ${file.sha256} the manager promised`,
    );
  }
}
