// Picks a worker driver by name; every tier is loaded on demand so a host without runsc or QEMU still runs the others.
import type { DriverName } from '../spec/types.js';
import type { Driver } from '../worker/driver.js';

export async function driverByName(name: DriverName): Promise<Driver> {
  if (name === 'gvisor')
    return new (await import('../worker/gvisor/gvisor-driver.js')).GvisorDriver();
  if (name === 'vm') return new (await import('../worker/vm/vm-driver.js')).VmDriver();
  return new (await import('../worker/namespace/namespace-driver.js')).NamespaceDriver();
}
