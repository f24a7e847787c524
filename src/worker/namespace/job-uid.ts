// NoRoot: a root manager runs each job's namespaces as a fresh unprivileged uid, never as uid 0.
import { randomInt } from 'node:crypto';

/** Far above any uid an installer hands out, so it owns nothing on the host. */
const JOB_UID_BASE = 2_000_000_000;

/**
 * Undefined for an unprivileged manager: its own uid is already no one's root.
 * As root it matters: the kernel checks some permissions (global sysctls among them) by uid alone.
 */
export function jobUid(): number | undefined {
  return process.geteuid?.() === 0 ? JOB_UID_BASE + randomInt(1 << 24) : undefined;
}
