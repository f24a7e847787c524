// Picks a worker driver by name; every tier is loaded on demand so a host without runsc or QEMU still runs the others.
import type { DriverName } from '../spec/types.js';
import type { Driver } from '../worker/driver.js';
import { discardWarmHolder, warmHolder } from '../worker/namespace/holder-spawn.js';
import type { HostRoots } from '../worker/namespace/userns-restriction.js';

/** hostRoots: where the namespace driver reads the host's user-namespace settings (doctor's stand-ins). */
export async function driverByName(name: DriverName, hostRoots?: HostRoots): Promise<Driver> {
  if (name !== 'namespace') discardWarmWorker();
  if (name === 'gvisor')
    return new (await import('../worker/gvisor/gvisor-driver.js')).GvisorDriver();
  if (name === 'vm') return new (await import('../worker/vm/vm-driver.js')).VmDriver();
  const { NamespaceDriver } = await import('../worker/namespace/namespace-driver.js');
  return new NamespaceDriver(hostRoots ? { hostRoots } : {});
}

/**
 * Starts the namespace driver's next holder now, for a command that will most likely run one
 * job locally in it; the next local namespace job takes it. Nothing of any build runs in it yet.
 */
export function warmLocalWorker(): void {
  warmHolder();
}

/** Ends a warm holder no job took: the job ran elsewhere, in another driver, or not at all. */
export function discardWarmWorker(): void {
  discardWarmHolder();
}
