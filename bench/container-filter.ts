// The container filter's cost: docker run and docker build through it against the same calls
// straight to the engine, interleaved; and how long the engine takes to answer its first ping.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerFilter } from '../src/worker/containers/container-filter.js';
import { startPodman } from '../test/helpers/podman-service.js';
import { tempDir } from '../test/helpers/tmp.js';
import { docker } from './docker-cli.js';
import { interleaved, median, timeMs, type BenchFigure } from './measure.js';

export async function runContainerFilterBench(
  runs = Number(process.env.BENCH_RUNS ?? 5),
): Promise<BenchFigure[]> {
  const home = tempDir('contractor-bench-containers-');
  const context = join(home.path, 'context');
  mkdirSync(context);
  copyFileSync('/bin/busybox', join(context, 'busybox'));
  writeFileSync(
    join(context, 'Dockerfile'),
    'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "true"]\n',
  );
  const starts: number[] = [];
  for (let i = 0; i < 3; i++) {
    let stop = async (): Promise<void> => undefined;
    starts.push(await timeMs(async () => (stop = (await startPodman()).stop)));
    await stop();
  }
  const engine = await startPodman();
  const filter = new ContainerFilter({
    engineSocket: engine.socket,
    workspace: home.path,
    phase: () => 'build',
    onViolation: (v) => {
      throw new Error(`the benchmark's calls were refused: ${v.detail}`);
    },
  });
  const filterSocket = join(home.path, 'docker.sock');
  await filter.listen(filterSocket);
  try {
    // --network none on both sides: the filter's default, and no bridge on the host for the direct side.
    const build = (socket: string) => () =>
      docker(socket, home.path, [
        'build',
        '--network',
        'none',
        '--no-cache',
        '-q',
        '-t',
        'bench/busybox:1',
        context,
      ]);
    await build(filterSocket)();
    const run = (socket: string) => () =>
      docker(socket, home.path, [
        'run',
        '--rm',
        '--network',
        'none',
        'bench/busybox:1',
        '/bin/busybox',
        'true',
      ]);
    const runs1 = await interleaved(runs, run(filterSocket), run(engine.socket));
    const builds = await interleaved(runs, build(filterSocket), build(engine.socket));
    const figure = (name: string, t: { a: number[]; b: number[] }): BenchFigure[] => [
      { name: `${name} through the filter (median)`, value: median(t.a), unit: 'ms' },
      { name: `${name} straight to the engine (median)`, value: median(t.b), unit: 'ms' },
      { name: `${name}: filter / engine`, value: median(t.a) / median(t.b), unit: 'x' },
    ];
    return [
      {
        name: 'engine start to its socket (rootful Podman on the host)',
        value: median(starts),
        unit: 'ms',
      },
      ...figure('docker run --rm', runs1),
      ...figure('docker build --no-cache FROM scratch', builds),
    ];
  } finally {
    await filter.close();
    await engine.stop();
    home.remove();
  }
}
