// Stands in for a worker in App tests: the build script's words decide the outcome. It reads the whole
// source tar (its file names are recorded) and writes a log and an artifact like a real run would.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Parser } from 'tar';
import type { JobExecutor } from '../../src/manager/executor.js';
import {
  sourceOf,
  type JobRequest,
  type JobResult,
  type RunStatus,
} from '../../src/manager/job.js';
import type { Violation } from '../../src/net/violation.js';

export interface SeenJob {
  request: JobRequest;
  files: string[];
  sourceText: string;
}

async function readSource(req: JobRequest): Promise<{ files: string[]; text: string }> {
  const chunks: Buffer[] = [];
  for await (const c of sourceOf(req)()) chunks.push(c as Buffer);
  const tarball = Buffer.concat(chunks);
  const files: string[] = [];
  const parser = new Parser({
    onReadEntry: (e) => {
      // The tree's own names, whether it came under src/ or not.
      const name = req.sourceUnderSrc ? e.path.replace(/^src\//, '') : e.path;
      if (name) files.push(name);
      e.resume();
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
    parser.end(tarball);
  });
  return { files, text: tarball.toString('latin1') };
}

export function scriptedExecutor(seen: SeenJob[] = []): JobExecutor {
  return async (req) => {
    const started = new Date();
    const { files, text } = await readSource(req);
    seen.push({ request: req, files, sourceText: text });
    const script = req.spec.build;
    if (script.includes('crash')) throw new Error('the manager closed the connection mid-job');
    // Stopped by its signal only, as a worker is; one aborted before it got here ends at once.
    if (script.includes('hang') && !req.signal?.aborted)
      await new Promise<void>((resolve) =>
        req.signal?.addEventListener('abort', () => resolve(), { once: true }),
      );
    const sleep = /sleep-ms (\d+)/.exec(script);
    if (sleep) await new Promise((r) => setTimeout(r, Number(sleep[1])));
    const violationCount = Number(/violate (\d+)/.exec(script)?.[1] ?? 0);
    const violations: Violation[] = Array.from({ length: violationCount }, (_, i) => ({
      kind: 'network',
      phase: 'build',
      host: `evil-${i}.example.com`,
      port: 443,
      detail: `CONNECT evil-${i}.example.com:443 denied <b>|pipe|</b>`,
    }));
    const exit = Number(/exit (\d+)/.exec(script)?.[1] ?? 0);
    const wall = script.includes('over-wall');
    const status: RunStatus = wall
      ? 'limit'
      : violations.length
        ? 'violation'
        : exit
          ? 'failed'
          : 'passed';
    const log = `building ${req.commit}\n<script>alert(1)</script><img src=x onerror="document.title='pwned'">\n\x1b[31mred\x1b[0m done\n`;
    await mkdir(join(req.outDir, 'artifacts', 'dist'), { recursive: true });
    await writeFile(join(req.outDir, 'log.txt'), log);
    const artifact = `hello from ${req.commit}\n`;
    await writeFile(join(req.outDir, 'artifacts', 'dist', 'hello.txt'), artifact);
    await writeFile(
      join(req.outDir, 'attestation.dsse.json'),
      JSON.stringify({ payloadType: 'application/vnd.in-toto+json' }),
    );
    const finished = new Date();
    const result: JobResult = {
      id: req.id,
      status,
      exitCode: { passed: 0, failed: 1, violation: 3, limit: 4, error: 5 }[status],
      summary: wall
        ? 'the wall limit was exceeded'
        : status === 'violation'
          ? `${violationCount} violation(s) of the policy`
          : exit
            ? `build exited with ${exit}`
            : 'passed',
      commit: req.commit ?? null,
      tree: req.tree ?? null,
      driver: req.driver,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      phases: [
        {
          name: 'build',
          exitCode: exit,
          durationMs: 12,
          cpuMs: 9,
          maxMemoryBytes: 3 * 1024 * 1024,
        },
      ],
      ...(wall ? { limit: 'wall' as const } : {}),
      violations,
      artifacts: [
        {
          path: 'dist/hello.txt',
          size: artifact.length,
          sha256: createHash('sha256').update(artifact).digest('hex'),
        },
      ],
      outDir: req.outDir,
      log: join(req.outDir, 'log.txt'),
      network: [],
      policy: {
        source: req.policy.source,
        allow: req.policy.allow,
        buildNetwork: req.policy.buildNetwork,
        limits: { ...req.policy.limits },
      },
      attestation: 'attestation.dsse.json',
    };
    await writeFile(join(req.outDir, 'result.json'), JSON.stringify(result, null, 2));
    return result;
  };
}
