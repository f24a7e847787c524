#!/bin/sh
//usr/bin/env true; case " $* " in *" app "*) ;; *) unset NODE_EXTRA_CA_CERTS ;; esac; exec node "$0" "$@"
// The line above is bin/contractor.js's launcher line, which says why.
// git runs `git contractor ARGS` as `git-contractor ARGS`.
import { cacheName, loadEntry } from './dist-entry.js';

const args = process.argv.slice(2);
const entry = await loadEntry('main', cacheName(args));

process.exitCode = await entry.exports.main('git contractor', args);
entry.save();
