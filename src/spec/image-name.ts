// A worker image is a name among the images the trusted policy lists, never a host path.
import { basename } from 'node:path';

export const DEFAULT_IMAGE = 'worker';

/**
 * `worker-image: worker.img` in a spec names the image `worker`; no path can leave the images
 * folder. A name maps to itself, so the name a policy resolved can be handed on as it is.
 */
export function imageName(workerImage?: string): string {
  if (!workerImage) return DEFAULT_IMAGE;
  const base = basename(workerImage)
    .replace(/\.img$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '_');
  return base && !base.startsWith('.') ? base : DEFAULT_IMAGE;
}
