#!/usr/bin/env node
// Bundles the CLI's entry points into dist/bundle/ with esbuild, one CommonJS file each. Node 20
// has no module compile cache, and loading ~30 ESM files (and the ESM loader's per-module work)
// cost a run ~40 ms before it did anything. One CommonJS file loads through bin/code-cache.js,
// which keeps V8's compiled code for it between runs. Commands still load lazily: esbuild keeps
// each dynamically imported module's evaluation for when it is first imported.
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
    // Started for every job, under contention with the CLI: one file loads faster than ~15.
    'netns-holder': `${ROOT}dist/src/worker/namespace/netns-holder.js`,
    // Copied onto a vm job's disk when the spec asks for containers: run by the guest's node.
    'container-filter': `${ROOT}dist/src/worker/containers/filter-main.js`,
  },
  outdir: OUT,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Native addons load from node_modules as they are.
  external: ['ssh2', 'cpu-features', 'better-sqlite3'],
  // Modules find their install directory from their own URL; in CommonJS that is __filename's.
  define: { 'import.meta.url': '__contractorModuleUrl' },
  banner: {
    js: "const __contractorModuleUrl = require('node:url').pathToFileURL(__filename).href;",
  },
  logLevel: 'warning',
});
