// A real open-source project built and tested offline as a whole job (runJob), on any driver: zlib,
// vendored under test/fixtures/zlib with its LICENSE, its static library the artifact.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobResult } from '../../src/manager/job.js';
import { runJob } from '../../src/manager/run-job.js';
import { parseSpec } from '../../src/spec/parse.js';
import { DEFAULT_POLICY } from '../../src/spec/policy.js';
import { DEFAULT_IMAGE } from '../../src/spec/image-name.js';
import type { Driver } from '../../src/worker/driver.js';
import { tempDir } from '../helpers/tmp.js';

export const ZLIB_SOURCE = fileURLToPath(new URL('../../../test/fixtures/zlib', import.meta.url));

/** zlib's own configure, build and test suite, as its README gives them. */
export const ZLIB_SPEC =
  'build: ./configure --static && make -j2 && make test\nartifacts: [libz.a]\n';

export interface ProjectRun {
  result: JobResult;
  log: string;
  /** The collected artifacts' bytes, by path. */
  artifacts: Map<string, Buffer>;
}

/** One job through the manager, as `git contractor run` runs it, its artifacts read back. */
export async function buildProject(
  driver: Driver,
  source = ZLIB_SOURCE,
  spec = ZLIB_SPEC,
): Promise<ProjectRun> {
  const out = tempDir('contractor-real-project-');
  try {
    const result = await runJob(
      {
        id: `real-${Math.random().toString(36).slice(2, 10)}`,
        spec: parseSpec(spec, '.contractor.yaml'),
        policy: {
          allow: DEFAULT_POLICY.allow,
          buildNetwork: DEFAULT_POLICY.buildNetwork,
          driver: driver.name,
          image: DEFAULT_IMAGE,
          // Roomy for TCG, where zlib's build and tests take minutes; the memory is the VM's size.
          limits: { ...DEFAULT_POLICY.limits, memoryBytes: 1024 ** 3, diskBytes: 512 * 1024 ** 2 },
          source: 'test-policy.yaml',
        },
        driver: driver.name,
        source: () =>
          spawn('tar', ['-c', '-f', '-', '-C', source, '.'], {
            stdio: ['ignore', 'pipe', 'inherit'],
          }).stdout,
        outDir: out.path,
        audit: false,
      },
      driver,
    );
    const artifacts = new Map(
      result.artifacts.map((a) => [a.path, readFileSync(join(out.path, 'artifacts', a.path))]),
    );
    return { result, log: readFileSync(result.log, 'utf8'), artifacts };
  } finally {
    out.remove();
  }
}
