// What an image build leaves beside the image: which kernel boots it and how it was made.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GuestKernel } from './kernel.js';
import { imagePaths, kernelDir } from './image-paths.js';

/** Raised when the image layout the guest agent relies on changes (2: no /home, /root or /run). */
export const IMAGE_FORMAT = 2;
/**
 * Raised when what a containers job needs of its image changes; an image of an older version is
 * refused for such a job, naming the command that rebuilds it (3: the guest kernel loads tun;
 * 4: a container's root is the build's uid, so a bound workspace is writable to it).
 */
export const CONTAINERS_IMAGE_VERSION = 4;

export interface ImageManifest {
  format: number;
  name: string;
  rootfs: string;
  kernelRelease: string;
  packages: string[];
  ansible: boolean;
  /** Set on an image with the container engine: its contents' version. */
  containers?: number;
  suite: string;
  builtAt: string;
  buildMs: number;
  bytes: number;
}

export interface BootableImage {
  name: string;
  rootfs: string;
  kernel: GuestKernel;
  /** The containers version the image was built with (its engine, node, the docker CLI); 0 without. */
  containers: number;
}

export async function readManifest(name: string): Promise<BootableImage> {
  const paths = imagePaths(name);
  const text = await readFile(paths.manifest, 'utf8').catch((cause: unknown) => {
    throw new Error(
      `there is no worker image '${name}': run 'contractor image build --name ${name}'`,
      { cause },
    );
  });
  const m = JSON.parse(text) as ImageManifest;
  if (m.format !== IMAGE_FORMAT)
    throw new Error(
      `the worker image '${name}' predates this driver: run 'contractor image build --name ${name}'`,
    );
  const dir = join(kernelDir(), m.kernelRelease);
  const modules = (await readFile(join(dir, 'modules.order'), 'utf8')).split('\n').filter(Boolean);
  await stat(paths.rootfs);
  return {
    name,
    rootfs: paths.rootfs,
    containers: typeof m.containers === 'number' ? m.containers : 0,
    kernel: {
      release: m.kernelRelease,
      vmlinuz: join(dir, 'vmlinuz'),
      modules,
      modulesDir: join(dir, 'modules'),
    },
  };
}
