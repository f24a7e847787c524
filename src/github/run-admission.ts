// Who may see a run: anyone for a public repository, a signed-in reader for a private one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { notFound, sendText } from './page-response.js';
import type { RunRepository } from './repository-reader.js';
import type { SignIn } from './sign-in.js';

/** true: serve it. false: this has answered already. */
export type Admit = (req: IncomingMessage, res: ServerResponse, runId: string) => Promise<boolean>;

export function runAdmission(o: {
  repositoryOf: (runId: string) => Promise<RunRepository | undefined>;
  signIn: SignIn | undefined;
}): Admit {
  return async (req, res, runId) => {
    const repository = await o.repositoryOf(runId);
    // A run the queue does not know has no known repository: whose it is cannot be checked.
    if (!repository) return (notFound(res), false);
    return admitRepository(req, res, repository, o.signIn);
  };
}

/** The same rule for anything of one repository: its runs page and its badges. */
export async function admitRepository(
  req: IncomingMessage,
  res: ServerResponse,
  repository: RunRepository,
  signIn: SignIn | undefined,
): Promise<boolean> {
  if (!repository.private) return true;
  if (!signIn) {
    sendText(res, 404, 'not found (a private repository: the operator has not set up sign-in)');
    return false;
  }
  const returnTo = new URL(req.url ?? '/', 'http://x').pathname;
  return signIn.admit(req, res, repository, returnTo);
}
