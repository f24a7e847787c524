// Issue 22's figures in the vm tier, side by side in one run: the start-up cost of containers: true
// (a build of `true` with and without it, alternated), and a container build and run inside the
// guest against the same build and run with Podman on the host (host runs before and after the
// guest's, so drift hits both sides). The guest times its own calls: its boot is not in them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VmDriver } from '../src/worker/vm/vm-driver.js';
import { startPodman } from '../test/helpers/podman-service.js';
import { CONTAINERS_TEST_IMAGE, testContainersImage } from '../test/helpers/test-image.js';
import { tempDir } from '../test/helpers/tmp.js';
import { runBuild } from '../test/worker/run-build.js';
import { docker } from './docker-cli.js';
import { median, timeMs, type BenchFigure } from './measure.js';

const TRUE_C = 'int main(void) { return 0; }\n';
/** A RUN step as well as a COPY: the build starts a container of its own, as real builds do. */
const DOCKERFILE = 'FROM scratch\nCOPY true /true\nRUN ["/true"]\nCMD ["/true"]\n';

/** The calls timed on both sides, by name; each side runs them in this order, `runs` times. */
const CALLS: Record<string, string[]> = {
  build: ['build', '--no-cache', '-q', '--network', 'none', '-t', 'bench/true:1', 'ctx'],
  run: ['run', '--rm', '--network', 'none', 'bench/true:1'],
};

/** The guest's build script: each call timed with the guest's clock, one `bench NAME MS` line each. */
function guestScript(runs: number): string {
  const calls = Object.entries(CALLS).map(
    ([name, args]) =>
      `s=$(date +%s%N); docker ${args.join(' ')} >/dev/null || exit 1; echo "bench ${name} $(( ($(date +%s%N) - s) / 1000000 ))"`,
  );
  return [
    'mkdir -p ctx && gcc -static -O1 -o ctx/true true.c',
    `printf '${DOCKERFILE.replace(/\n/g, '\\n')}' > ctx/Dockerfile`,
    `for i in $(seq ${runs}); do`,
    ...calls.map((c) => `  ${c}`),
    // The default network too (slirp4netns), which a build's own containers get.
    `  s=$(date +%s%N); docker run --rm bench/true:1 || exit 1; echo "bench run-net $(( ($(date +%s%N) - s) / 1000000 ))"`,
    'done',
  ].join('\n');
}

function guestTimes(stdout: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const m of stdout.matchAll(/^bench (\S+) (\d+)$/gm))
    (out[m[1] as string] ??= []).push(Number(m[2]));
  return out;
}

export async function runContainerVmBench(
  runs = Number(process.env.BENCH_RUNS ?? 5),
): Promise<BenchFigure[]> {
  await testContainersImage();
  const vm = new VmDriver();
  const job = (containers: boolean, build: string, files: Record<string, string> = {}) =>
    runBuild(vm, { workerImage: CONTAINERS_TEST_IMAGE, containers, files, build });

  // Start-up: the build phase of `true`, and the whole job, with and without the engine.
  const phase: Record<'with' | 'without', number[]> = { with: [], without: [] };
  const whole: Record<'with' | 'without', number[]> = { with: [], without: [] };
  for (let i = 0; i < 2; i++)
    for (const side of ['without', 'with'] as const) {
      let ms = 0;
      const t = await timeMs(async () => {
        const r = await job(side === 'with', 'true');
        const p = r.outcome.phases.at(-1);
        if (p?.exitCode !== 0) throw new Error(`the ${side} job failed: ${r.stderr}`);
        ms = p.durationMs;
      });
      phase[side].push(ms);
      whole[side].push(t);
    }

  // The same build and run on the host, with rootful Podman (vfs storage, like the guest's).
  const home = tempDir('contractor-bench-container-vm-');
  const ctx = join(home.path, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(home.path, 'true.c'), TRUE_C);
  execFileSync('gcc', ['-static', '-O1', '-o', join(ctx, 'true'), join(home.path, 'true.c')]);
  writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE);
  const engine = await startPodman();
  const host: Record<string, number[]> = {};
  const hostRound = async (): Promise<void> => {
    for (let i = 0; i < runs; i++)
      for (const [name, args] of Object.entries(CALLS))
        (host[name] ??= []).push(await timeMs(() => docker(engine.socket, home.path, args)));
  };
  let guest: Record<string, number[]> = {};
  try {
    await docker(engine.socket, home.path, CALLS.build as string[]);
    await hostRound();
    const r = await job(true, guestScript(runs), { 'true.c': TRUE_C });
    if (r.outcome.phases.at(-1)?.exitCode !== 0)
      throw new Error(`the guest's container build failed: ${r.stdout}${r.stderr}`);
    guest = guestTimes(r.stdout);
    await hostRound();
  } finally {
    await engine.stop();
    home.remove();
  }

  const figures: BenchFigure[] = [
    {
      name: 'build phase of `true`, without containers (median of 2)',
      value: median(phase.without),
      unit: 'ms',
    },
    {
      name: 'build phase of `true`, with containers: true (median of 2)',
      value: median(phase.with),
      unit: 'ms',
    },
    {
      name: 'start-up cost of containers: true, per phase',
      value: median(phase.with) - median(phase.without),
      unit: 'ms',
    },
    {
      name: 'whole job of `true`, without containers (median of 2)',
      value: median(whole.without),
      unit: 'ms',
    },
    {
      name: 'whole job of `true`, with containers: true (median of 2)',
      value: median(whole.with),
      unit: 'ms',
    },
    {
      name: 'whole job of `true`: with / without containers',
      value: median(whole.with) / median(whole.without),
      unit: 'x',
    },
  ];
  for (const name of Object.keys(CALLS)) {
    const g = median(guest[name] ?? []);
    const h = median(host[name] ?? []);
    figures.push(
      {
        name: `docker ${name} in the guest, through the filter (median of ${runs})`,
        value: g,
        unit: 'ms',
      },
      {
        name: `docker ${name} with Podman on the host (median of ${2 * runs})`,
        value: h,
        unit: 'ms',
      },
      { name: `docker ${name}: guest / host`, value: g / h, unit: 'x' },
    );
  }
  figures.push({
    name: `docker run with a network (slirp4netns) in the guest (median of ${runs})`,
    value: median(guest['run-net'] ?? []),
    unit: 'ms',
  });
  return figures;
}
