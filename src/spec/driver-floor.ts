// DriverFloor: the isolation tiers from weakest to strongest; the trusted side names the least a build gets.
import { DRIVER_NAMES, type DriverName } from './types.js';

export function driverRank(driver: DriverName): number {
  return DRIVER_NAMES.indexOf(driver);
}

export function isBelow(driver: DriverName, floor: DriverName): boolean {
  return driverRank(driver) < driverRank(floor);
}

/** The stronger of two tiers. */
export function strongerDriver(a: DriverName, b: DriverName): DriverName {
  return isBelow(a, b) ? b : a;
}

/** "namespace < gvisor < vm", for messages. */
export const DRIVER_ORDER = DRIVER_NAMES.join(' < ');
