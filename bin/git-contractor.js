#!/usr/bin/env node
// git runs `git contractor ARGS` as `git-contractor ARGS`. The bundle loads faster; dist/src/ is
// the same program unbundled, used when there is no bundle or it is older than dist/src/.
import { statSync } from 'node:fs';

const mtime = (path) =>
  statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const fresh = (mtime('../dist/bundle/main.js') ?? 0) >= (mtime('../dist/src/cli/main.js') ?? 0);
const { main } = await import(fresh ? '../dist/bundle/main.js' : '../dist/src/cli/main.js');

process.exitCode = await main('git contractor', process.argv.slice(2));
