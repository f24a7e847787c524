// Hosts that forbid unprivileged user namespaces, told apart by their sysctls, each with the fix of
// least reach: the namespace driver needs those namespaces for every job, so it says so before one runs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContractorError } from '../../errors.js';
import { installPath } from '../../install-root.js';

export interface HostRoots {
  /** Where the kernel's sysctls are read (tests stand in a directory of their own). */
  sysctl: string;
  /** Where AppArmor's profiles are installed. */
  apparmor: string;
}

export const HOST_ROOTS: HostRoots = { sysctl: '/proc/sys', apparmor: '/etc/apparmor.d' };

/** The programs that make the driver's user namespaces: unshare for the holder, bwrap inside it. */
export const USERNS_PROFILES = ['bwrap', 'unshare'] as const;

export interface UsernsRestriction {
  /** The sysctl and its value, as `sysctl` prints it. */
  setting: string;
  advice: string;
}

function sysctl(root: string, name: string): string | undefined {
  try {
    return readFileSync(join(root, ...name.split('.')), 'utf8').trim();
  } catch {
    return undefined; // a kernel without this knob does not restrict by it
  }
}

function apparmorAdvice(): string {
  const files = USERNS_PROFILES.map((p) => installPath('apparmor', p)).join(' ');
  const loaded = USERNS_PROFILES.map((p) => `/etc/apparmor.d/${p}`).join(' ');
  return (
    `allow bwrap and unshare alone with their AppArmor profiles (not the restriction switched off for every program): ` +
    `run ./setup as root, or: sudo install -m 644 ${files} /etc/apparmor.d/ && sudo apparmor_parser -r ${loaded}`
  );
}

/** The restriction in force here, or undefined when unprivileged user namespaces may be made. */
export function usernsRestriction(roots: HostRoots = HOST_ROOTS): UsernsRestriction | undefined {
  if (sysctl(roots.sysctl, 'user.max_user_namespaces') === '0')
    return {
      setting: 'user.max_user_namespaces=0',
      advice: `allow user namespaces: sudo sysctl -w user.max_user_namespaces=15000, kept in a file in /etc/sysctl.d/`,
    };
  if (sysctl(roots.sysctl, 'kernel.unprivileged_userns_clone') === '0')
    return {
      setting: 'kernel.unprivileged_userns_clone=0',
      advice: `allow unprivileged user namespaces: sudo sysctl -w kernel.unprivileged_userns_clone=1, kept in a file in /etc/sysctl.d/`,
    };
  if (sysctl(roots.sysctl, 'kernel.apparmor_restrict_unprivileged_userns') !== '1')
    return undefined;
  // With the profiles in place the restriction does not reach bwrap or unshare.
  if (USERNS_PROFILES.every((p) => existsSync(join(roots.apparmor, p)))) return undefined;
  return { setting: 'kernel.apparmor_restrict_unprivileged_userns=1', advice: apparmorAdvice() };
}

/** What bwrap or unshare print when the kernel refuses them the namespace's uid map. */
const UID_MAP_DENIED = /setting up uid map: Permission denied|write failed \/proc\/self\/uid_map/;

export function uidMapDenied(text: string): boolean {
  return UID_MAP_DENIED.test(text);
}

export class UsernsRestrictedError extends ContractorError {
  readonly setting: string | undefined;

  constructor(restriction: UsernsRestriction | undefined, cause?: unknown) {
    super('CONFINEMENT', usernsMessage(restriction), { cause });
    this.name = 'UsernsRestrictedError';
    this.setting = restriction?.setting;
  }
}

/** What went wrong and what to do; a denied uid map with no sysctl to blame is most often AppArmor. */
export function usernsMessage(restriction: UsernsRestriction | undefined): string {
  if (restriction)
    return `this host restricts unprivileged user namespaces (${restriction.setting}), which the namespace driver needs for every job: ${restriction.advice}`;
  return `the kernel refused the namespace driver a user namespace's uid map (setting up uid map: Permission denied); if AppArmor restricts user namespaces here, ${apparmorAdvice()}, and check that the profiles are loaded (sudo aa-status)`;
}
