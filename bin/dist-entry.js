// Which build bin/ runs: the bundle (npm run build makes it; it loads faster, and from a code
// cache), or dist/src/, the same program unbundled, when there is no bundle or tsc has written
// dist/src/ since it was made.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadBundle } from './code-cache.js';

const path = (rel) => fileURLToPath(new URL(rel, import.meta.url));
const mtime = (rel) => statSync(path(rel), { throwIfNoEntry: false })?.mtimeMs;
const bundled = (mtime('../dist/bundle/main.cjs') ?? 0) >= (mtime('../dist/src/cli/main.js') ?? 0);

/** Which code cache a command line uses: its command's, or `help` (help compiles little of it). */
export function cacheName(args) {
  if (args.some((a) => a === '-h' || a === '--help' || a === '-V' || a === '--version'))
    return 'help';
  return args[0];
}

/**
 * An entry point's module (`main` or `manager-serve`), and save() to call when its command is
 * done; `variant` names the command for the code cache.
 */
export async function loadEntry(name, variant = name) {
  // Part of a file name: a command's name, never a path or an option or whatever else argv held.
  const command = /^[a-z][a-z-]{0,40}$/.test(variant ?? '') ? variant : 'other';
  if (bundled) return loadBundle(path(`../dist/bundle/${name}.cjs`), `${name}-${command}`);
  return { exports: await import(path(`../dist/src/cli/${name}.js`)), save: () => undefined };
}
