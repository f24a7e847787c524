#!/usr/bin/env node
// Runs every compiled uvu test file in its own process, then the Subplot scenarios, and prints
// one plain closing line `N passed, N failed` (uvu's own summary is per file and not that line).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const TEST_DIR = join(ROOT, 'dist/test');
// A guard against a hung file, not a speed bound: a file of TCG guests on a busy machine takes long.
const FILE_TIMEOUT_MS = 40 * 60 * 1000;
const only = process.argv.slice(2);

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

function run(file, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let out = '';
    const collect = (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), FILE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ out: out.replace(/\x1b\[[0-9;]*m/g, ''), code, signal });
    });
  });
}

function uvuTally({ out, code, signal }) {
  const num = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(out)?.[1] ?? NaN);
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped') || 0;
  if (Number.isNaN(total) || Number.isNaN(passed)) return { passed: 0, failed: 1, skipped: 0 };
  const failed = Math.max(total - passed - skipped, code === 0 && !signal ? 0 : 1);
  return { passed, failed, skipped };
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const add = (t) => {
  totals.passed += t.passed;
  totals.failed += t.failed;
  totals.skipped += t.skipped;
};

const files = findTests(TEST_DIR)
  .sort()
  .filter((f) => !only.length || only.some((o) => f.includes(o)));
const timings = [];
for (const file of files) {
  console.log(`\n# ${relative(ROOT, file)}`);
  const started = Date.now();
  add(uvuTally(await run(file, [])));
  timings.push([relative(TEST_DIR, file), Date.now() - started]);
}

if (!only.length || only.includes('scenarios')) {
  console.log('\n# subplot scenarios');
  const r = await run(join(ROOT, 'dist/subplot/run.js'), []);
  const m = /scenarios: (\d+) passed, (\d+) failed, (\d+) skipped/.exec(r.out);
  add(m ? { passed: +m[1], failed: +m[2], skipped: +m[3] } : { passed: 0, failed: 1, skipped: 0 });
}

// The slowest files, so a CI that creeps towards its time limit shows where.
const slowest = timings.sort((a, b) => b[1] - a[1]).slice(0, 8);
console.log(`\nslowest: ${slowest.map(([f, ms]) => `${f} ${(ms / 1000).toFixed(0)}s`).join(', ')}`);
if (totals.skipped) console.log(`${totals.skipped} skipped`);
// The last line is exactly `N passed, N failed`: CI reads it.
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exitCode = totals.failed ? 1 : 0;
