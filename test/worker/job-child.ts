// A manager in miniature for manager-death.test.ts: runs one endless job with the named driver,
// prints "running" once the build's output arrives, and waits to be killed with SIGKILL.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { driverByName } from '../../src/manager/drivers.js';
import type { DriverName } from '../../src/spec/types.js';
import { AnsweringEgress, ROOMY_LIMITS } from './run-build.js';

const name = (process.argv[2] ?? 'namespace') as DriverName;
const id = process.argv[3] ?? `orphan${process.pid}`;
// The test owns this directory and removes it: we die by SIGKILL and clean nothing.
const dir = process.argv[4] ?? mkdtempSync(join(tmpdir(), 'contractor-orphan-'));
execFileSync('mkdir', ['-p', join(dir, 'in', 'src')]);
const tar = execFileSync('tar', ['-c', '-f', '-', '-C', join(dir, 'in'), 'src']);
let said = false;
await (
  await driverByName(name)
).run({
  id,
  input: () => Readable.from([tar]),
  outputTar: join(dir, 'out.tar'),
  phases: [{ name: 'build', script: 'while :; do echo tick; sleep 1; done' }],
  env: {},
  limits: { ...ROOMY_LIMITS, wallMs: 600_000 },
  egress: new AnsweringEgress(),
  onEvent: (e) => {
    if (e.type === 'output' && e.phase === 'build' && !said) {
      said = true;
      process.stdout.write('running\n');
    }
  },
});
