// The App's run ids: a report page's address, so unguessable (128 random bits) as well as sortable by time.
import { newJobId } from '../manager/job-id.js';

/** `<UTC stamp>-<32 hex>`; ids made before the random part grew to 128 bits had 8 hex. */
export const RUN_ID = /^[0-9]{8}T[0-9]{6}Z-(?:[0-9a-f]{32}|[0-9a-f]{8})$/;

export function newRunId(now = new Date()): string {
  // RunIdUnguessable: a link to a run is shared on GitHub; nobody else can find it by counting.
  return newJobId(now, 16);
}
