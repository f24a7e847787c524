#!/usr/bin/env node
import { cacheName, loadEntry } from './dist-entry.js';

const args = process.argv.slice(2);
// `manager serve --stdio` starts for every remote job, so it skips loading the whole CLI.
const serve = args[0] === 'manager' && args[1] === 'serve';
const entry = await loadEntry(serve ? 'manager-serve' : 'main', serve ? 'serve' : cacheName(args));

process.exitCode = await entry.exports.main('contractor', args);
entry.save();
