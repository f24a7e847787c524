// The filter as a process of its own, run by the engine's user inside a vm guest
// (docs/containers.md): `node container-filter.cjs ENGINE_SOCKET WORKSPACE LISTEN_SOCKET STATE`.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ContainerFilter } from './container-filter.js';
import { JobObjects } from './job-objects.js';

/** The guest agent forwards each stdout line to the host as a control line of at most 512 bytes. */
const MAX_DETAIL = 400;

function oneLine(detail: string): string {
  return detail.replace(/[\r\n]+/g, ' ').slice(0, MAX_DETAIL);
}

const [engineSocket, workspace, listenPath, statePath] = process.argv.slice(2);
if (!engineSocket || !workspace || !listenPath || !statePath) {
  process.stderr.write('usage: container-filter ENGINE_SOCKET WORKSPACE LISTEN_SOCKET STATE\n');
  process.exit(2);
}

/**
 * One engine's storage serves every phase of the job, and each phase starts a filter of its own:
 * what the job owns is kept in STATE (in the engine user's 0700 home, out of the build's reach), so
 * the images setup built or pulled are the build phase's too. Written whole and renamed on each
 * change: a phase killed at any moment leaves a whole state behind.
 */
function readState(): unknown {
  try {
    return JSON.parse(readFileSync(statePath as string, 'utf8'));
  } catch {
    return undefined;
  }
}
const objects: JobObjects = new JobObjects(readState(), () => {
  writeFileSync(`${statePath}.new`, JSON.stringify(objects));
  renameSync(`${statePath}.new`, statePath as string);
});

const filter = new ContainerFilter({
  objects,
  engineSocket,
  workspace,
  // The engine's containers.conf makes slirp4netns its default; said here too, as the filter
  // writes NetworkMode into every create.
  defaultNetworkMode: 'slirp4netns',
  // The host knows which phase runs; it names the phase of each line as it arrives.
  phase: () => 'build',
  // Written synchronously to a pipe: a refusal is on its way before the build sees the answer.
  onViolation: (v) => void process.stdout.write(`${oneLine(v.detail)}\n`),
});
filter.listen(listenPath).then(
  () => process.stderr.write(`container filter: listening on ${listenPath}\n`),
  (err: Error) => {
    process.stderr.write(`container filter: cannot listen on ${listenPath}: ${err.message}\n`);
    process.exit(1);
  },
);
