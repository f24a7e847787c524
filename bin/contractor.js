#!/usr/bin/env node
// `manager serve --stdio` starts for every remote job, so it skips loading the whole CLI.
const args = process.argv.slice(2);
const entry =
  args[0] === 'manager' && args[1] === 'serve'
    ? '../dist/src/cli/manager-serve.js'
    : '../dist/src/cli/main.js';
const { main } = await import(entry);

process.exitCode = await main('contractor', args);
