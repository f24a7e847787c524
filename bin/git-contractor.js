#!/usr/bin/env node
// git runs `git contractor ARGS` as `git-contractor ARGS`. The bundle loads faster; dist/src/ is
// the same program unbundled.
import { existsSync } from 'node:fs';

const entry = existsSync(new URL('../dist/bundle/main.js', import.meta.url))
  ? '../dist/bundle/main.js'
  : '../dist/src/cli/main.js';
const { main } = await import(entry);

process.exitCode = await main('git contractor', process.argv.slice(2));
