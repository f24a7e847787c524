// The manager's side of a carried workspace: the client's tar, sanitised into a directory the job
// restores from and saves into, and packed again for the way back once the build has saved it.
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { ContractorError } from '../../errors.js';
import { packDirectory } from '../workspace-pack.js';
import { unpackSanitised } from '../workspace-unpack.js';
import { makeScratchDir } from '../scratch-dir.js';
import type { Frame } from './frame.js';
import { receiveUpload } from './receive-upload.js';

export interface CarriedWorkspace {
  /** The job's workspace directory on this host. */
  dir: string;
  /** The workspace as the build left it, as a tar file; undefined when the build saved none. */
  packIfSaved(): Promise<string | undefined>;
  remove(): Promise<void>;
}

/** Reads the client's workspace upload; the client is not trusted, so it is unpacked sanitised. */
export async function receiveWorkspace(
  frames: AsyncIterator<Frame>,
  capBytes: number,
  stallMs?: number,
): Promise<CarriedWorkspace> {
  const root = await makeScratchDir('carried');
  const remove = (): Promise<void> => rm(root, { recursive: true, force: true });
  try {
    const upload = join(root, 'in.tar');
    const file = createWriteStream(upload);
    await receiveUpload(frames, file, capBytes, 'workspace-end', stallMs).catch((err: unknown) => {
      file.destroy();
      throw err;
    });
    await finished(file);
    const dir = join(root, 'workspace');
    await mkdir(dir);
    // HardDiskLimit and FilesystemIsolation: no link out, no device, nothing past the cap.
    const unpacked = (await startsWithEndOfArchive(upload))
      ? { overLimit: false }
      : await unpackSanitised(upload, dir, capBytes);
    if (unpacked.overLimit)
      throw new ContractorError(
        'PROTOCOL',
        `the workspace unpacks to more than this manager's disk limit of ${capBytes} bytes`,
      );
    await rm(upload);
    // A build that saved its workspace put a new directory in this one's place.
    const restored = (await stat(dir)).ino;
    return {
      dir,
      remove,
      async packIfSaved() {
        if ((await stat(dir).catch(() => undefined))?.ino === restored) return undefined;
        const out = join(root, 'out.tar');
        await pipeline(packDirectory(dir), createWriteStream(out));
        return out;
      },
    };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** A first build's workspace is an archive with no entries, which the tar library refuses. */
async function startsWithEndOfArchive(path: string): Promise<boolean> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(512), 0, 512, 0);
    return buffer.subarray(0, bytesRead).every((b) => b === 0);
  } finally {
    await file.close();
  }
}
