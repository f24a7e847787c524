#!/usr/bin/env node
// git runs `git contractor ARGS` as `git-contractor ARGS`.
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main('git contractor', process.argv.slice(2));
