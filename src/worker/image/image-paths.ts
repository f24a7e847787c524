// Where worker images live: $CONTRACTOR_HOME/images/<name>/, beside the kernel they boot.
import { basename, extname, join } from 'node:path';
import { contractorHome } from '../../spec/config-home.js';

export const DEFAULT_IMAGE = 'worker';

export interface ImagePaths {
  name: string;
  dir: string;
  rootfs: string;
  manifest: string;
}

/** `worker-image: worker.img` in a spec names the image `worker`; no path can leave the images folder. */
export function imageName(workerImage?: string): string {
  if (!workerImage) return DEFAULT_IMAGE;
  const base = basename(workerImage, extname(workerImage)).replace(/[^A-Za-z0-9._-]/g, '_');
  return base && !base.startsWith('.') ? base : DEFAULT_IMAGE;
}

/** CONTRACTOR_IMAGES lets many homes (tests, CI) share one set of images. */
export function imagesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONTRACTOR_IMAGES || join(contractorHome(env), 'images');
}

export function imagePaths(name: string, env: NodeJS.ProcessEnv = process.env): ImagePaths {
  const dir = join(imagesDir(env), name);
  return { name, dir, rootfs: join(dir, 'rootfs.ext4'), manifest: join(dir, 'manifest.json') };
}

export function kernelDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(imagesDir(env), 'kernel');
}
