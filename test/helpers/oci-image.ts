// An OCI image made by hand, for the registry test host: one gzipped layer of the given files
// (root-owned), its config and its manifest, every blob under its sha256, and the tag naming it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Writes `name:tag` into dir (blobs/HEX and tags.json); files are copied from the host, mode 0755. */
export function writeOciImage(
  dir: string,
  name: string,
  tag: string,
  files: Record<string, string>,
  cmd: string[],
): void {
  const root = mkdtempSync(join(tmpdir(), 'contractor-oci-layer-'));
  try {
    for (const [path, from] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), readFileSync(from));
      chmodSync(join(root, path), 0o755);
    }
    const tar = execFileSync(
      'tar',
      [
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '-c',
        '-f',
        '-',
        '-C',
        root,
        ...Object.keys(files),
      ],
      { maxBuffer: 1 << 30 },
    );
    const layer = gzipSync(tar);
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Cmd: cmd },
        rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] },
      }),
    );
    const descriptor = (mediaType: string, b: Buffer) => ({
      mediaType,
      digest: `sha256:${sha256(b)}`,
      size: b.length,
    });
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: descriptor('application/vnd.oci.image.config.v1+json', config),
        layers: [descriptor('application/vnd.oci.image.layer.v1.tar+gzip', layer)],
      }),
    );
    mkdirSync(join(dir, 'blobs'), { recursive: true });
    for (const b of [layer, config, manifest]) writeFileSync(join(dir, 'blobs', sha256(b)), b);
    const tagsFile = join(dir, 'tags.json');
    let tags: Record<string, string> = {};
    try {
      tags = JSON.parse(readFileSync(tagsFile, 'utf8')) as Record<string, string>;
    } catch {
      // the first image in this directory
    }
    tags[`${name}:${tag}`] = `sha256:${sha256(manifest)}`;
    writeFileSync(tagsFile, JSON.stringify(tags));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
