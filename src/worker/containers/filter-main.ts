// The filter as a process of its own, run by the engine's user inside a vm guest
// (docs/containers.md): `node container-filter.cjs ENGINE_SOCKET WORKSPACE LISTEN_SOCKET`.
import { ContainerFilter } from './container-filter.js';

/** The guest agent forwards each stdout line to the host as a control line of at most 512 bytes. */
const MAX_DETAIL = 400;

function oneLine(detail: string): string {
  return detail.replace(/[\r\n]+/g, ' ').slice(0, MAX_DETAIL);
}

const [engineSocket, workspace, listenPath] = process.argv.slice(2);
if (!engineSocket || !workspace || !listenPath) {
  process.stderr.write('usage: container-filter ENGINE_SOCKET WORKSPACE LISTEN_SOCKET\n');
  process.exit(2);
}
const filter = new ContainerFilter({
  engineSocket,
  workspace,
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
