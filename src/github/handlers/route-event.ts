// Which handler reads which event; an event the App does not build for is acknowledged and ignored.
import type { JobIntent } from '../app-job.js';
import { onCheckRun } from './check-run.js';
import { onCheckSuite } from './check-suite.js';
import { onPullRequest } from './pull-request.js';
import { onPush } from './push.js';

const HANDLERS: Record<string, (payload: unknown) => JobIntent> = {
  push: onPush,
  pull_request: onPullRequest,
  check_suite: onCheckSuite,
  check_run: onCheckRun,
};

export function intentFor(event: string, payload: unknown): JobIntent {
  const handler = HANDLERS[event];
  return handler ? handler(payload) : { kind: 'ignore', reason: `event ${event}` };
}
