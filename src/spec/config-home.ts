// Where the trusted, per-user configuration lives: $CONTRACTOR_HOME, else ~/.config/contractor.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function contractorHome(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.CONTRACTOR_HOME || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'contractor')
  );
}

export function policyPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(contractorHome(env), 'policy.yaml');
}
