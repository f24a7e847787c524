#!/bin/sh
//usr/bin/env true; case " $* " in *" app "*) ;; *) unset NODE_EXTRA_CA_CERTS ;; esac; exec node "$0" "$@"
// The line above is sh, and a comment to node: sh runs this file first, and hands it to node.
// It needs only /usr/bin/env, as the `#!/usr/bin/env node` it replaced did (/bin/true is not
// everywhere: NixOS has no /bin/true).
// Node loads NODE_EXTRA_CA_CERTS as it starts, before any of our code runs, and with a full CA
// bundle there that is 30 ms of every start (a 40 ms start without it). Only `app` commands
// open TLS connections (to GitHub), so every other command starts without it.
import { cacheName, loadEntry } from './dist-entry.js';

const args = process.argv.slice(2);
// `manager serve --stdio` starts for every remote job, so it skips loading the whole CLI.
const serve = args[0] === 'manager' && args[1] === 'serve';
const entry = await loadEntry(serve ? 'manager-serve' : 'main', serve ? 'serve' : cacheName(args));

process.exitCode = await entry.exports.main('contractor', args);
entry.save();
