// actions/run run locally: its script steps, as the runner would run them, with a fake step summary
// file and a stand-in for `git contractor run` that prints a result document and exits with its code.
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { tempDir } from '../helpers/tmp.js';

const ACTION_DIR = join(process.cwd(), 'actions', 'run');

interface Step {
  name: string;
  if?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(join(ACTION_DIR, 'action.yml'), 'utf8')) as Action;

/** The one expression form the run steps use: inputs.NAME == 'VALUE' (and always()). */
function enabled(step: Step, inputs: Record<string, string>): boolean {
  if (!step.if) return true;
  return step.if.split('&&').every((part) => {
    const p = part.trim();
    if (p === 'always()') return true;
    const m = /^inputs\.([\w-]+) == '([^']*)'$/.exec(p);
    if (!m) return true;
    return inputs[m[1] as string] === m[2];
  });
}

function runAction(resultJson: string, exitCode: number, given: Record<string, string> = {}) {
  const t = tempDir('contractor-action-');
  const inputs = Object.fromEntries(
    Object.entries(action.inputs).map(([k, v]) => [k, given[k] ?? v.default]),
  );
  const summary = join(t.path, 'step-summary.md');
  const output = join(t.path, 'github-output');
  const argsFile = join(t.path, 'args');
  const fake = join(t.path, 'fake-contractor');
  writeFileSync(join(t.path, 'result.json'), resultJson);
  writeFileSync(
    fake,
    `#!/bin/sh\necho "$@" > ${argsFile}\ncat ${join(t.path, 'result.json')}\nexit ${exitCode}\n`,
  );
  chmodSync(fake, 0o755);
  writeFileSync(summary, '');
  const codes: number[] = [];
  for (const step of action.runs.steps) {
    if (!step.run || !enabled(step, inputs)) continue;
    // The build itself (and its cache) is runner-as-user.test.ts's: here it would rebuild this checkout.
    if (step.run.includes('install.sh')) continue;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GITHUB_ACTION_PATH: ACTION_DIR,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
      RUNNER_TEMP: t.path,
      CONTRACTOR_COMMAND: fake,
    };
    for (const [k, v] of Object.entries(step.env ?? {}))
      env[k] = v.replace(/\$\{\{ inputs\.([\w-]+) \}\}/g, (_m, name: string) => inputs[name] ?? '');
    codes.push(spawnSync('bash', ['-c', step.run], { env, encoding: 'utf8' }).status ?? -1);
  }
  const read = (f: string) => readFileSync(f, 'utf8');
  const out = { codes, summary: read(summary), output: read(output), args: read(argsFile).trim() };
  t.remove();
  return out;
}

function result(status: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: '20250101T000000Z-00000000',
    status,
    exitCode: 0,
    summary: status === 'passed' ? 'passed' : '1 violation(s) of the policy',
    commit: 'a'.repeat(40),
    tree: 'b'.repeat(40),
    driver: 'namespace',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:01.500Z',
    durationMs: 1500,
    phases: [{ name: 'build', exitCode: 0, durationMs: 1400 }],
    violations: [],
    artifacts: [{ path: 'hello', size: 16384, sha256: 'c'.repeat(64) }],
    outDir: '/tmp/x',
    log: '/tmp/x/log.txt',
    network: [],
    policy: { source: 'policy.yaml', allow: [], buildNetwork: false, limits: {} },
    attestation: null,
    ...extra,
  });
}

test('a violation fails the step and its table lands in the step summary', () => {
  const r = runAction(
    result('violation', {
      violations: [
        {
          kind: 'network',
          phase: 'build',
          host: 'evil.example.com',
          port: 443,
          detail: 'CONNECT denied',
        },
      ],
    }),
    3,
    { 'install-packages': 'false' },
  );
  assert.equal(r.codes, [0, 3], 'key step ok, gate step fails with the violation code');
  assert.match(r.summary, /^## ⛔ violation: 1 violation\(s\) of the policy/);
  assert.match(r.summary, /\| network \| build \| evil\.example\.com:443 \| CONNECT denied \|/);
  assert.match(r.output, /^status=violation$/m);
  assert.match(r.args, /^run --json --out \S+contractor-run HEAD$/);
});

test('a pass leaves the step green with the artifacts and their digests in the summary', () => {
  const r = runAction(result('passed'), 0, {
    'install-packages': 'false',
    revision: 'main',
    driver: 'gvisor',
  });
  assert.equal(r.codes, [0, 0]);
  assert.match(r.summary, /^## ✅ passed/);
  assert.match(r.summary, /\| network \| none \|/);
  assert.match(r.summary, new RegExp(`\\| hello \\| 16KiB \\| \`${'c'.repeat(64)}\` \\|`));
  assert.match(r.args, /--driver gvisor main$/);
});

test('uploads nothing unless asked, and then only the declared artifacts', () => {
  assert.is(action.inputs['upload-artifacts']?.default, 'false');
  const uploads = action.runs.steps.filter((s) => s.uses?.startsWith('actions/upload-artifact'));
  assert.is(uploads.length, 1);
  assert.match(uploads[0]?.if ?? '', /inputs\.upload-artifacts == 'true'/);
  assert.match(uploads[0]?.with?.path ?? '', /\/artifacts\/$/);
});

test.run();
