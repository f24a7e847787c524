#!/usr/bin/env node
// git runs `git contractor ARGS` as `git-contractor ARGS`.
import { distEntry } from './dist-entry.js';

const { main } = await import(distEntry('main'));

process.exitCode = await main('git contractor', process.argv.slice(2));
