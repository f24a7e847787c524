// actions/run as a GitHub-hosted runner runs it, since no runner is reachable here: a user made
// with adduser who has passwordless sudo, the action's repository checked out under the user's
// _actions directory, a real git repository with a .contractor.yaml as the workspace, the GITHUB_*
// files, and each of action.yml's `run:` steps in order as that user. `uses:` steps are checked, not
// run; actions/cache is played by copying the paths its save step names and restoring them into a
// fresh checkout for the next job. npm ci is the one stand-in: it copies this checkout's
// node_modules (the lockfile's install) instead of fetching it; the build (tsc, validators, bundle)
// and `git contractor run` are real. Root only (it makes and removes the user).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { linkedCopy } from '../helpers/linked-copy.js';
import { tempDir } from '../helpers/tmp.js';

const USER = `ctr-runner-${randomBytes(3).toString('hex')}`;
const HOME = `/home/${USER}`;
const SUDOERS = `/etc/sudoers.d/${USER}`;
const REPO = process.cwd();
const WORK = join(HOME, 'work');
/** Where a runner puts `uses: OWNER/contractor/actions/run@v1`. */
const ACTION_ROOT = join(WORK, '_actions', 'OWNER', 'contractor', 'v1');
const ACTION_PATH = join(ACTION_ROOT, 'actions', 'run');
const WORKSPACE = join(WORK, 'project', 'project');
const RUNNER_TEMP = join(WORK, '_temp');

interface Step {
  name: string;
  id?: string;
  if?: string;
  run?: string;
  uses?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(join(REPO, 'actions/run/action.yml'), 'utf8')) as Action;

const sh = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { encoding: 'utf8' }).trim();
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
/** Found on the test's own PATH: the user's, given to the command, lacks /usr/sbin. */
const RUNUSER = sh('sh', ['-c', 'command -v runuser']);

type Outputs = Record<string, Record<string, string>>;

/** The expressions action.yml uses: ${{ inputs.X }} and ${{ steps.S.outputs.O }}. */
function expand(text: string, inputs: Record<string, string>, steps: Outputs): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
    const i = /^inputs\.([\w-]+)$/.exec(expr);
    if (i) return inputs[i[1] as string] ?? '';
    const s = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
    if (s) return steps[s[1] as string]?.[s[2] as string] ?? '';
    throw new Error(`the test does not know the expression ${expr}`);
  });
}

/** `if:` as action.yml writes it: always(), and ==/!= between an expression and a quoted value. */
function enabled(step: Step, inputs: Record<string, string>, steps: Outputs): boolean {
  if (!step.if) return true;
  return step.if.split('&&').every((part) => {
    const p = part.trim();
    if (p === 'always()') return true;
    const m = /^([\w.-]+) (==|!=) '([^']*)'$/.exec(p);
    if (!m) throw new Error(`the test does not know the condition ${p}`);
    const value = expand(`\${{ ${m[1]} }}`, inputs, steps);
    return (value === m[3]) === (m[2] === '==');
  });
}

/**
 * This checkout's install, where the runner's user can read it: a checkout in root's 0700 home (a
 * fresh machine's /root/contractor) is closed to that user. Hard links when the filesystem allows.
 */
function readableModules(): string {
  const at = join(HOME, 'npm-stand-in', 'node_modules');
  if (!existsSync(at)) {
    mkdirSync(dirname(at), { recursive: true });
    linkedCopy(realpathSync(join(REPO, 'node_modules')), at);
  }
  return at;
}

/** Stand-in npm: `ci` copies the lockfile's install from this checkout; the rest is the real npm. */
function npmStandIn(dir: string, log: string): void {
  const modules = readableModules();
  const realNpm = sh('sh', ['-c', 'command -v npm']);
  writeFileSync(
    join(dir, 'npm'),
    `#!/bin/sh
echo "npm $*" >> ${log}
if [ "$1" = ci ]; then rm -rf node_modules && exec cp -r ${modules} node_modules; fi
exec ${realNpm} "$@"
`,
  );
  chmodSync(join(dir, 'npm'), 0o755);
}

/** The action's repository as the runner downloads it: its tracked files, no build. */
function checkOutAction(): void {
  rmSync(ACTION_ROOT, { recursive: true, force: true });
  mkdirSync(ACTION_ROOT, { recursive: true });
  const files = execFileSync('git', ['-C', REPO, 'ls-files', '-z'], { maxBuffer: 1 << 26 });
  execFileSync('tar', ['-C', REPO, '--null', '-T', '-', '-cf', join(WORK, 'action.tar')], {
    input: files,
  });
  execFileSync('tar', ['-C', ACTION_ROOT, '-xf', join(WORK, 'action.tar')]);
  rmSync(join(WORK, 'action.tar'));
  execFileSync('chown', ['-R', `${USER}:${USER}`, WORK]);
}

function commitWorkspace(build: string): void {
  rmSync(WORKSPACE, { recursive: true, force: true });
  mkdirSync(WORKSPACE, { recursive: true });
  writeFileSync(
    join(WORKSPACE, '.contractor.yaml'),
    `source: .\nbuild: |\n  ${build}\nartifacts:\n  - out.txt\n`,
  );
  execFileSync('chown', ['-R', `${USER}:${USER}`, WORK]);
  const git = (...args: string[]) =>
    execFileSync(RUNUSER, ['-u', USER, '--', 'git', '-C', WORKSPACE, ...args], {
      env: { PATH: '/usr/bin:/bin', HOME },
    });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@t.invalid', 'commit', '-qm', 'spec');
}

interface Job {
  codes: Record<string, number>;
  logs: Record<string, string>;
  outputs: Outputs;
  summary: string;
  npm: string[];
  skipped: Step[];
}

/** One job: every step of action.yml in order, `run:` steps as the user, `uses:` steps noted. */
function runJob(cache: Map<string, string>, given: Record<string, string>): Job {
  rmSync(RUNNER_TEMP, { recursive: true, force: true });
  const files = join(RUNNER_TEMP, '_runner_file_commands');
  const bin = join(RUNNER_TEMP, 'bin');
  mkdirSync(files, { recursive: true });
  mkdirSync(bin);
  const npmLog = join(RUNNER_TEMP, 'npm.log');
  writeFileSync(npmLog, '');
  npmStandIn(bin, npmLog);
  const summary = join(files, 'step_summary');
  writeFileSync(summary, '');
  execFileSync('chown', ['-R', `${USER}:${USER}`, RUNNER_TEMP]);
  const inputs = Object.fromEntries(
    Object.entries(action.inputs).map(([k, v]) => [k, given[k] ?? v.default]),
  );
  const job: Job = { codes: {}, logs: {}, outputs: {}, summary: '', npm: [], skipped: [] };
  let failed = false;
  action.runs.steps.forEach((step, n) => {
    const id = step.id ?? `__${n}`;
    job.outputs[id] = {};
    const runsAlways = (step.if ?? '').includes('always()');
    if ((failed && !runsAlways) || !enabled(step, inputs, job.outputs)) return;
    if (step.uses) {
      job.skipped.push(step);
      const paths = expand(step.with?.path ?? '', inputs, job.outputs)
        .trim()
        .split('\n');
      const key = expand(step.with?.key ?? '', inputs, job.outputs);
      // actions/cache, played by copies: the save step's paths under its key, restored whole.
      if (step.uses.startsWith('actions/cache/save')) {
        const store = tempDir('contractor-runner-cache-').path;
        paths.forEach((p, i) => execFileSync('cp', ['-a', p, join(store, String(i))]));
        cache.set(key, store);
      }
      if (step.uses.startsWith('actions/cache/restore') && cache.has(key)) {
        paths.forEach((p, i) => execFileSync('cp', ['-a', join(cache.get(key)!, String(i)), p]));
        job.outputs[id] = { 'cache-hit': 'true' };
      }
      return;
    }
    const output = join(files, `set_output_${n}`);
    const script = join(RUNNER_TEMP, `step_${n}.sh`);
    writeFileSync(output, '');
    writeFileSync(script, step.run ?? '');
    execFileSync('chown', [`${USER}:${USER}`, output, script]);
    const env: Record<string, string> = {
      HOME,
      USER,
      LANG: 'C.UTF-8',
      PATH: `${bin}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTION_PATH: ACTION_PATH,
      GITHUB_WORKSPACE: WORKSPACE,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_ENV: join(files, `set_env_${n}`),
      GITHUB_PATH: join(files, `add_path_${n}`),
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_REPOSITORY: 'someone/project',
      GITHUB_RUN_ID: '42',
      RUNNER_TEMP,
      RUNNER_OS: 'Linux',
    };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = expand(v, inputs, job.outputs);
    // What a runner runs for `shell: bash`.
    assert.is(step.shell, 'bash', `${step.name}: shell`);
    const r = spawnSync(
      RUNUSER,
      ['-u', USER, '--', 'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].concat([
        'bash',
        '--noprofile',
        '--norc',
        '-eo',
        'pipefail',
        script,
      ]),
      { cwd: WORKSPACE, encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    job.codes[step.name] = r.status ?? -1;
    job.logs[step.name] = r.stdout + r.stderr;
    for (const line of readFileSync(output, 'utf8').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) job.outputs[id]![line.slice(0, eq)] = line.slice(eq + 1);
    }
    if (r.status !== 0) failed = true;
  });
  job.summary = readFileSync(summary, 'utf8');
  job.npm = readFileSync(npmLog, 'utf8').split('\n').filter(Boolean);
  return job;
}

if (process.getuid?.() === 0) {
  const cache = new Map<string, string>();

  test.before(() => {
    // The runner's user has sudo; ./setup installs it. Not installed here by the test.
    if (!has('sudo')) throw new Error('sudo is not installed: run ./setup (it installs sudo)');
    execFileSync('adduser', ['--disabled-password', '--gecos', '', '--quiet', USER]);
    writeFileSync(SUDOERS, `${USER} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
  });

  test.after(() => {
    rmSync(SUDOERS, { force: true });
    execFileSync('deluser', ['--quiet', '--remove-home', USER], { stdio: 'ignore' });
    for (const store of cache.values()) rmSync(store, { recursive: true, force: true });
  });

  test('the user is a runner user: not root, with passwordless sudo', () => {
    const id = sh(RUNUSER, ['-u', USER, '--', 'id', '-u']);
    assert.is.not(id, '0');
    assert.is(sh(RUNUSER, ['-u', USER, '--', 'sudo', '-n', 'id', '-u']), '0');
  });

  test('the uses: steps are the cache around the build and the artifact upload', () => {
    const uses = action.runs.steps.filter((s) => s.uses);
    assert.equal(
      uses.map((s) => s.uses),
      ['actions/cache/restore@v4', 'actions/cache/save@v4', 'actions/upload-artifact@v4'],
    );
    const [restore, save] = uses;
    for (const s of [restore, save]) {
      assert.is(s?.with?.key, '${{ steps.build-key.outputs.key }}');
      assert.match(s?.with?.path ?? '', /\/node_modules\n.*\/dist\n?$/);
    }
    assert.not.ok('restore-keys' in (restore?.with ?? {}), 'never a partial match');
    assert.is(save?.if, "steps.restore.outputs.cache-hit != 'true'");
    const names = action.runs.steps.map((s) => s.name);
    assert.ok(names.indexOf(restore!.name) < names.indexOf('Build Contractor'));
    assert.ok(names.indexOf('Build Contractor') < names.indexOf(save!.name));
    assert.ok(names.indexOf(save!.name) < names.indexOf('Run the gate'));
  });

  test('first job: builds Contractor as the user, passes, and fills the outputs and summary', () => {
    checkOutAction();
    commitWorkspace('echo built-on-a-runner > out.txt');
    const job = runJob(cache, { 'install-packages': 'false', 'upload-artifacts': 'true' });
    const all = JSON.stringify(job.logs, null, 1);
    for (const [name, code] of Object.entries(job.codes)) assert.is(code, 0, `${name}\n${all}`);
    assert.match(job.logs['Build Contractor'] ?? '', /contractor: building contractor-build-/);
    assert.equal(job.npm, [
      'npm ci --no-fund --no-audit --loglevel=error',
      'npm run --silent build',
    ]);
    assert.match(job.outputs['build-key']?.node ?? '', /^v\d+\.\d+\.\d+$/);
    assert.ok(job.outputs['build-key']?.key?.includes(`-node-${process.version}-`));
    assert.is(job.outputs['build-key']?.root, ACTION_ROOT);
    assert.is(job.outputs.run?.status, 'passed', all);
    const out = job.outputs.run?.['out-dir'] ?? '';
    assert.is(out, join(RUNNER_TEMP, 'contractor-run'));
    assert.is(readFileSync(join(out, 'artifacts/out.txt'), 'utf8'), 'built-on-a-runner\n');
    assert.match(job.summary, /^## ✅ passed/);
    assert.match(job.summary, /\| out\.txt \|/);
    assert.equal(
      job.skipped.map((s) => s.uses),
      ['actions/cache/restore@v4', 'actions/cache/save@v4', 'actions/upload-artifact@v4'],
      'a miss: restored nothing, saved the build, uploaded the artifacts',
    );
    assert.is(cache.size, 1);
  });

  test('next job: a fresh checkout restores the build, skips it, and a failing build fails the step', () => {
    checkOutAction();
    assert.not.ok(existsSync(join(ACTION_ROOT, 'dist')), 'the checkout has no build of its own');
    commitWorkspace('echo broken >&2; exit 1');
    const job = runJob(cache, { 'install-packages': 'false' });
    const all = JSON.stringify(job.logs, null, 1);
    assert.match(
      job.logs['Build Contractor'] ?? '',
      /contractor: reusing the build contractor-build-/,
    );
    assert.equal(job.npm, [], 'nothing installed or built');
    assert.is(job.outputs.restore?.['cache-hit'], 'true');
    assert.equal(
      job.skipped.map((s) => s.uses),
      ['actions/cache/restore@v4'],
      'a hit: nothing saved; no upload unless asked',
    );
    assert.is(job.codes['Build Contractor'], 0, all);
    assert.is(job.codes['Run the gate'], 1, all);
    assert.is(job.outputs.run?.status, 'failed');
    assert.is(job.outputs.run?.['out-dir'], join(RUNNER_TEMP, 'contractor-run'));
    assert.match(job.summary, /^## ❌ failed/);
  });
}

test.run();
