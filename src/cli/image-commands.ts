// `contractor image build [--ansible SPEC] [--name NAME]`: the vm driver's worker image.
import type { Command } from 'commander';
import { ContractorError } from '../errors.js';
import { readSpec } from '../spec/parse.js';
import { buildImage, DEFAULT_PACKAGES } from '../worker/image/build-image.js';
import { imageName } from '../worker/image/image-paths.js';

interface BuildOptions {
  ansible?: string;
  name?: string;
  packages?: string;
  containers?: boolean;
  suite?: string;
  json?: boolean;
}

export function addImageCommands(program: Command): void {
  const image = program.command('image').description('worker images for the vm driver');
  image
    .command('build')
    .description(
      `build a worker image rootless (mmdebstrap, then mkfs.ext4 -d) with ${DEFAULT_PACKAGES.join(', ')}`,
    )
    .option('--ansible <spec>', "apply this spec's `ansible` plays inside the image")
    .option('--name <name>', "image name (default: the spec's worker-image, else 'worker')")
    .option('--packages <list>', 'comma-separated Debian packages instead of the default set')
    .option(
      '--containers',
      'add the container engine, node and the docker CLI (docs/containers.md)',
    )
    .option(
      '--suite <codename>',
      "the image's Debian release (bookworm, trixie); default: the host's",
    )
    .option('--json', 'print the image manifest as JSON')
    .action(async (o: BuildOptions) => {
      const spec = o.ansible ? await readSpec(o.ansible) : undefined;
      const name = o.name ?? imageName(spec?.workerImage);
      const verbose = !o.json && process.stderr.isTTY;
      try {
        const m = await buildImage({
          name,
          ...(o.suite ? { suite: o.suite } : {}),
          ...(o.packages ? { packages: o.packages.split(',').filter(Boolean) } : {}),
          ...(spec?.ansible?.length ? { ansible: spec.ansible } : {}),
          ...(o.containers ? { containers: true } : {}),
          log: (l) => verbose && process.stderr.write(`image: ${l}\n`),
        });
        if (o.json) process.stdout.write(JSON.stringify(m, null, 2) + '\n');
        else
          process.stdout.write(
            `image ${m.name}: ${m.rootfs} (${(m.bytes / 1024 ** 2).toFixed(0)} MiB, kernel ${m.kernelRelease}, ${(m.buildMs / 1000).toFixed(1)} s)\n`,
          );
      } catch (err) {
        if (err instanceof ContractorError) throw err;
        throw new ContractorError(
          'INFRASTRUCTURE',
          `image build failed: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
    });
}
