// Run by gvisor-stopped.test.ts inside a pid namespace of its own: one job through the gvisor
// driver, whose runsc (a stand-in first on PATH) reports a stopped sandbox. Prints the outcome.
import { GvisorDriver } from '../../src/worker/gvisor/gvisor-driver.js';
import { runBuild } from './run-build.js';

const outcome = await runBuild(new GvisorDriver(), {
  build: 'echo never',
  limits: { wallMs: 1500 },
}).then(
  (r) => ({ ran: true, limit: r.outcome.limit ?? null }),
  (e: unknown) => ({ ran: false, error: e instanceof Error ? e.message : String(e) }),
);
process.stdout.write(`${JSON.stringify(outcome)}\n`);
