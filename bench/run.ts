// `npm run bench`: every benchmark, each reporting ratios measured side by side in this one run.
// Pick some with: npm run bench -- build proxy overhead
import { printFigures, type BenchFigure } from './measure.js';

interface Bench {
  key: string;
  title: string;
  module: string;
  fn: string;
}

const BENCHES: Bench[] = [
  {
    key: 'overhead',
    title: 'Namespace driver fixed overhead (issue 3)',
    module: './namespace-overhead.js',
    fn: 'runNamespaceOverheadBench',
  },
  {
    key: 'build',
    title: 'Real build, direct vs namespace driver (issue 3)',
    module: './build-overhead.js',
    fn: 'runBuildOverheadBench',
  },
  {
    key: 'build-release',
    title: 'Real build at -O2, direct vs namespace driver (issue 3)',
    module: './build-overhead.js',
    fn: 'runReleaseBuildOverheadBench',
  },
  {
    key: 'proxy',
    title: 'Egress proxy throughput, 1 GiB (issue 3)',
    module: './proxy-throughput.js',
    fn: 'runProxyThroughputBench',
  },
  {
    key: 'workspace',
    title: 'Saving a 30,000-file workspace cache, linked vs written (issue 3)',
    module: './workspace-save.js',
    fn: 'runWorkspaceSaveBench',
  },
  {
    key: 'cache',
    title: 'Pre-push gate: cached push and hook overhead (issue 5)',
    module: './prepush-cache.js',
    fn: 'runPrePushCacheBench',
  },
  {
    key: 'webhooks',
    title:
      'GitHub App: 200 webhooks at 50/s, SIGKILL and restart (issue 8); SQLite vs PostgreSQL 1 and 3 replicas (issue 21)',
    module: './webhooks.js',
    fn: 'runWebhookBench',
  },
  {
    key: 'remote',
    title: 'Remote manager over SSH vs local, with a 50 MB repository (issue 7)',
    module: './remote-manager.js',
    fn: 'runRemoteManagerBench',
  },
  {
    key: 'gvisor',
    title: 'Real build: direct, bare runsc do, gvisor driver options (issues 4, 23)',
    module: './gvisor-build.js',
    fn: 'runGvisorBuildBench',
  },
  {
    key: 'vm',
    title: 'VM driver: start to first build command, image build (issue 4)',
    module: './vm-boot.js',
    fn: 'runVmBootBench',
  },
  {
    key: 'containers',
    title: 'Container filter: docker run and build through it vs straight to Podman (issue 22)',
    module: './container-filter.js',
    fn: 'runContainerFilterBench',
  },
  {
    key: 'containers-vm',
    title:
      'Containers in the vm tier: start-up cost, and a container build in the guest vs on the host (issue 22)',
    module: './container-vm.js',
    fn: 'runContainerVmBench',
  },
];

const wanted = process.argv.slice(2);
for (const b of BENCHES.filter((b) => !wanted.length || wanted.includes(b.key))) {
  const mod = (await import(b.module).catch(() => undefined)) as
    Record<string, () => Promise<unknown>> | undefined;
  const fn = mod?.[b.fn];
  if (!fn) {
    console.log(`\n${b.title}\n  (not available: ${b.module} is missing)`);
    continue;
  }
  const figures = await fn();
  if (Array.isArray(figures)) printFigures(b.title, figures as BenchFigure[]);
  else console.log(`\n${b.title}\n`, figures);
}
