// Whether one host path lies in another, judged on the resolved paths.
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** True when path is dir or inside it; a sibling named `..something` is not inside. */
export function within(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
