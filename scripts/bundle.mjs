#!/usr/bin/env node
// Bundles the CLI's entry points into dist/bundle/ with esbuild. Node 20 has no compile cache,
// and loading ~200 small ESM and CommonJS files costs a pre-push hook ~40 ms before it does
// anything; one bundle per entry (with shared chunks, so commands still load lazily) does not.
// bin/ falls back to dist/src/ when there is no bundle, so it is an optimisation, never a need.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = `${ROOT}dist/bundle`;

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: {
    main: `${ROOT}dist/src/cli/main.js`,
    'manager-serve': `${ROOT}dist/src/cli/manager-serve.js`,
  },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native addons load from node_modules as they are.
  external: ['ssh2', 'cpu-features', 'better-sqlite3'],
  // CommonJS dependencies call require() for node: built-ins, which an ES module lacks.
  banner: {
    js: "import { createRequire as __contractorRequire } from 'node:module'; const require = __contractorRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
