#!/usr/bin/env node
// git runs `git contractor ARGS` as `git-contractor ARGS`.
import { cacheName, loadEntry } from './dist-entry.js';

const args = process.argv.slice(2);
const entry = await loadEntry('main', cacheName(args));

process.exitCode = await entry.exports.main('git contractor', args);
entry.save();
