// One `git cat-file --batch-command` conversation: every object's type and size first, then the
// contents of only those the caller accepts, so a huge blob is refused without being read.
import { spawn } from 'node:child_process';
import { ByteReader } from './byte-reader.js';

export interface ObjectInfo {
  oid: string;
  type: string;
  size: number;
}

/** An object git has, with its contents when they were asked for. */
export interface CatFileObject extends ObjectInfo {
  content?: Buffer;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** `<oid> <type> <size>`, or undefined for "<name> missing" and "<name> ambiguous". */
function parseInfo(line: string): ObjectInfo | undefined {
  const [oid, type, size, ...rest] = line.split(' ');
  if (!oid || !type || !size || rest.length || !SHA.test(oid) || !/^\d+$/.test(size))
    return undefined;
  return { oid, type, size: Number(size) };
}

/**
 * Each name's object (undefined when git has none by it), with the contents of those `wanted`
 * accepts. One process, so the answers cannot disagree if a branch moves meanwhile.
 */
export async function catFileObjects(
  dir: string,
  names: string[],
  wanted: (info: ObjectInfo, index: number) => boolean,
): Promise<(CatFileObject | undefined)[]> {
  // Needs git 2.36: its info and contents commands are what let sizes be read first.
  const git = spawn('git', ['cat-file', '--batch-command'], {
    cwd: dir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  git.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  git.stdin.on('error', () => undefined); // its exit status says why it stopped reading
  const exited = new Promise<number | null>((resolve, reject) => {
    git.once('error', reject);
    git.once('close', resolve);
  });
  void exited.catch(() => undefined); // a git that cannot start fails the reads below
  const failed = (why: string): Error => new Error(`git cat-file: ${stderr.trim() || why}`);
  const reader = new ByteReader(git.stdout);
  try {
    // Without --buffer git answers each command as it reads it.
    git.stdin.write(names.map((n) => `info ${n}\n`).join(''));
    const objects: (CatFileObject | undefined)[] = [];
    for (const _ of names) objects.push(parseInfo(await reader.line()));
    for (const [i, o] of objects.entries()) {
      if (!o || !wanted(o, i)) continue;
      git.stdin.write(`contents ${o.oid}\n`);
      if (parseInfo(await reader.line())?.size !== o.size)
        throw failed('contents do not match info');
      o.content = await reader.bytes(o.size);
      await reader.bytes(1); // the newline after the contents
    }
    git.stdin.end();
    const code = await exited;
    if (code !== 0) throw failed(`exited with ${code}`);
    return objects;
  } catch (err) {
    git.kill();
    const notStarted = await exited.then(
      () => undefined,
      (e: Error) => e,
    );
    if (notStarted) throw failed(`git could not start: ${notStarted.message}`);
    throw err instanceof Error && err.message.startsWith('git cat-file')
      ? err
      : failed(String(err));
  }
}
