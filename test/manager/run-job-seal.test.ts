// runJob writes result.json once, sealed (signed): never an unsigned one first, then another.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import type { JobResult } from '../../src/manager/job.js';
import { withLocalSigning } from '../../src/manager/local-signing.js';
import { runJob } from '../../src/manager/run-job.js';
import type { Driver } from '../../src/worker/driver.js';
import { jobRequest } from '../helpers/in-process-manager.js';
import { tempDir } from '../helpers/tmp.js';

/** Stands in for a worker: its build "made" digest.txt, packed under src/ as a driver packs it. */
const standInDriver: Driver = {
  name: 'namespace',
  probe: () => Promise.resolve({ driver: 'namespace', ok: true, detail: 'stand-in' }),
  async run(job) {
    for await (const _ of job.input()) void _;
    const dir = `${job.outputTar}.d`;
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'src', 'digest.txt'), 'built\n');
    execFileSync('tar', ['-c', '-f', job.outputTar, '-C', dir, '.']);
    job.onEvent({ type: 'phase', phase: 'build', at: Date.now() });
    return {
      phases: [{ name: 'build', exitCode: 0, durationMs: 1, startedAt: Date.now() }],
      violations: [],
      outputComplete: true,
    };
  },
};

/** A real tar for the job's source: the stand-in driver is given what a real one would be. */
const SOURCE = (() => {
  const d = tempDir();
  writeFileSync(join(d.path, 'main.c'), 'int main(void) { return 0; }\n');
  const tar = execFileSync('tar', ['-c', '-f', '-', '-C', d.path, '.']);
  d.remove();
  return tar;
})();

/** Runs a job and counts how many times result.json is put in place. */
async function countedRun(seal?: (r: JobResult) => Promise<JobResult>) {
  const out = tempDir();
  const req = {
    ...jobRequest(out.path, { source: SOURCE }),
    commit: 'c'.repeat(40),
    ...(seal ? { seal } : {}),
  };
  mkdirSync(out.path, { recursive: true });
  const placed: string[] = [];
  const watcher = watch(out.path, (_event, name) => {
    if (name === 'result.json') placed.push(name);
  });
  try {
    const result = await runJob(req, standInDriver);
    await new Promise((r) => setTimeout(r, 100)); // let the watcher hear every rename
    return { result, out, placed: placed.length };
  } finally {
    watcher.close();
  }
}

test('a sealed result is the one written, once', async () => {
  const { result, out, placed } = await countedRun(async (r) => ({ ...r, summary: 'sealed' }));
  assert.equal(result.summary, 'sealed');
  assert.equal(JSON.parse(readFileSync(join(out.path, 'result.json'), 'utf8')).summary, 'sealed');
  assert.equal(placed, 1, 'result.json put in place once');
  out.remove();
});

test('a seal that fails leaves the unsealed result written, and the failure thrown', async () => {
  const out = tempDir();
  const req = {
    ...jobRequest(out.path, { source: SOURCE }),
    seal: () => Promise.reject(new Error('no key today')),
  };
  await assert.rejects(runJob(req, standInDriver), /no key today/);
  const written = JSON.parse(readFileSync(join(out.path, 'result.json'), 'utf8'));
  assert.equal(written.status, 'passed');
  assert.equal(written.attestation, null);
  out.remove();
});

test('a local run is signed inside runJob: result.json names the attestation, written once', async () => {
  const home = tempDir();
  const out = tempDir();
  const placed: string[] = [];
  const watcher = watch(out.path, (_e, name) => name === 'result.json' && placed.push(name));
  try {
    const req = { ...jobRequest(out.path, { source: SOURCE }), commit: 'c'.repeat(40) };
    const execute = withLocalSigning((r) => runJob(r, standInDriver), home.path);
    const result = await execute(req);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(result.attestation, join(out.path, 'attestation.intoto.jsonl'));
    const written = JSON.parse(readFileSync(join(out.path, 'result.json'), 'utf8'));
    assert.equal(written.attestation, result.attestation);
    assert.equal(placed.length, 1, 'result.json put in place once');
  } finally {
    watcher.close();
    out.remove();
    home.remove();
  }
});

test.run();
