// Where worker images live: $CONTRACTOR_HOME/images/<name>/, beside the kernel they boot.
import { join } from 'node:path';
import { contractorHome } from '../../spec/config-home.js';

// The naming rule is the policy's: a spec names an image, the policy lists the ones it may.
export { DEFAULT_IMAGE, imageName } from '../../spec/image-name.js';

export interface ImagePaths {
  name: string;
  dir: string;
  rootfs: string;
  manifest: string;
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
