#!/usr/bin/env node
// The bundle (npm run build makes it) loads faster; dist/src/ is the same program unbundled, and
// is used when there is no bundle or tsc has written dist/src/ since the bundle was made.
import { statSync } from 'node:fs';

const mtime = (path) =>
  statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const fresh = (mtime('../dist/bundle/main.js') ?? 0) >= (mtime('../dist/src/cli/main.js') ?? 0);
const dist = fresh
  ? { main: '../dist/bundle/main.js', serve: '../dist/bundle/manager-serve.js' }
  : { main: '../dist/src/cli/main.js', serve: '../dist/src/cli/manager-serve.js' };
const args = process.argv.slice(2);
// `manager serve --stdio` starts for every remote job, so it skips loading the whole CLI.
const entry = args[0] === 'manager' && args[1] === 'serve' ? dist.serve : dist.main;
const { main } = await import(entry);

process.exitCode = await main('contractor', args);
