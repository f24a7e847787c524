// Picks a worker driver by name; a tier that is not built yet says so instead of running weaker.
import { ContractorError } from '../errors.js';
import type { DriverName } from '../spec/types.js';
import type { Driver } from '../worker/driver.js';

export async function driverByName(name: DriverName): Promise<Driver> {
  if (name === 'gvisor') return new (await import('../worker/gvisor/gvisor-driver.js')).GvisorDriver();
  if (name === 'vm') return new (await import('../worker/vm/vm-driver.js')).VmDriver();
  throw new ContractorError('CONFINEMENT', `the ${name} driver is not available yet`);
}
