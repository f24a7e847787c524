// Which build bin/ runs: the bundle (npm run build makes it; it loads faster), or dist/src/, the
// same program unbundled, when there is no bundle or tsc has written dist/src/ since it was made.
import { statSync } from 'node:fs';

const mtime = (path) =>
  statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const bundled = (mtime('../dist/bundle/main.js') ?? 0) >= (mtime('../dist/src/cli/main.js') ?? 0);

/** The URL of an entry point's module: `main` or `manager-serve`. */
export function distEntry(name) {
  const path = bundled ? `../dist/bundle/${name}.js` : `../dist/src/cli/${name}.js`;
  return new URL(path, import.meta.url).href;
}
