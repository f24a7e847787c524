#!/usr/bin/env node
import { distEntry } from './dist-entry.js';

const args = process.argv.slice(2);
// `manager serve --stdio` starts for every remote job, so it skips loading the whole CLI.
const serve = args[0] === 'manager' && args[1] === 'serve';
const { main } = await import(distEntry(serve ? 'manager-serve' : 'main'));

process.exitCode = await main('contractor', args);
