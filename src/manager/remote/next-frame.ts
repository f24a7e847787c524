// The next frame from a client, or an error once it has sent nothing for a while: a client that
// stalls would otherwise hold a manager process, and its job slot, for ever.
import { ContractorError } from '../../errors.js';
import type { Frame } from './frame.js';

export async function nextFrameWithin(
  frames: AsyncIterator<Frame>,
  ms: number,
  waitingFor: string,
): Promise<IteratorResult<Frame>> {
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ContractorError(
            'PROTOCOL',
            `the client sent nothing for ${ms} ms while ${waitingFor}: dropped (check the client's network and retry)`,
          ),
        ),
      ms,
    );
  });
  return Promise.race([frames.next(), silent]).finally(() => clearTimeout(timer));
}
