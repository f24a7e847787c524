// `contractor app serve`: flags and environment in, the GitHub App started, stopped cleanly on a signal.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ContractorError } from '../errors.js';
import { appExecutor } from '../github/app-executor.js';
import { gitUrlFor, startApp } from '../github/app.js';
import {
  NO_REPOSITORY_POLICIES,
  readRepositoryPolicies,
  type RepositoryPolicies,
} from '../github/repository-policies.js';
import { contractorHome } from '../spec/config-home.js';
import { parseDuration, parseSize } from '../spec/units.js';

interface ServeFlags {
  appId?: string;
  privateKey?: string;
  webhookSecretFile?: string;
  apiUrl: string;
  gitUrl?: string;
  publicUrl?: string;
  host: string;
  port: string;
  dataDir?: string;
  repositories?: string;
  allowOwner: string[];
  jobs: string;
  maxBody: string;
  manager?: string;
  perRepository: string;
  clientId?: string;
  clientSecretFile?: string;
  accessRecheck: string;
  keepDays: string;
  keepSize: string;
  maxConnections: string;
  database?: string;
  lease: string;
  sharedArtifacts: string;
}

/** The database replicas share, when one is given; a URL holds a password, so the environment is offered. */
function databaseFrom(flags: ServeFlags): string | undefined {
  return flags.database ?? (process.env.CONTRACTOR_DATABASE_URL || undefined);
}

function durationFlag(text: string, flag: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new ContractorError('USAGE', `${flag}: ${(err as Error).message}`, { cause: err });
  }
}

async function secretFrom(flags: ServeFlags): Promise<string> {
  const text = flags.webhookSecretFile
    ? (await readFile(flags.webhookSecretFile, 'utf8')).trim()
    : process.env.CONTRACTOR_WEBHOOK_SECRET;
  if (!text)
    throw new ContractorError(
      'USAGE',
      'no webhook secret: pass --webhook-secret-file or set CONTRACTOR_WEBHOOK_SECRET to the secret in the App settings',
    );
  return text;
}

/** The App's OAuth client for sign-in, when given; an id without a secret is a mistake, not a choice. */
async function signInFrom(
  flags: ServeFlags,
): Promise<{ clientId: string; clientSecret: string; recheckMs: number } | undefined> {
  const clientId = flags.clientId ?? process.env.CONTRACTOR_CLIENT_ID;
  const secret = flags.clientSecretFile
    ? (await readFile(flags.clientSecretFile, 'utf8')).trim()
    : process.env.CONTRACTOR_CLIENT_SECRET;
  if (!clientId && !secret) return undefined;
  if (!clientId || !secret)
    throw new ContractorError(
      'USAGE',
      'sign-in needs both --client-id and --client-secret-file: the Client ID and a client secret from the App settings',
    );
  let recheckMs: number;
  try {
    recheckMs = parseDuration(flags.accessRecheck);
  } catch (err) {
    throw new ContractorError('USAGE', `--access-recheck: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { clientId, clientSecret: secret, recheckMs };
}

function positiveInt(value: string | undefined, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new ContractorError('USAGE', `${what} must be a whole number, not "${value}"`);
  return n;
}

/** The repositories file, with the --allow-owner logins added to the owners it lists. */
async function policiesFrom(flags: ServeFlags): Promise<RepositoryPolicies> {
  const file = flags.repositories
    ? await readRepositoryPolicies(flags.repositories)
    : NO_REPOSITORY_POLICIES;
  const owners = [...new Set([...file.owners, ...flags.allowOwner.map((o) => o.toLowerCase())])];
  return { ...file, owners };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function serve(flags: ServeFlags): Promise<void> {
  const appId = positiveInt(
    flags.appId ?? process.env.CONTRACTOR_APP_ID,
    '--app-id (or CONTRACTOR_APP_ID)',
  );
  const keyFile = flags.privateKey ?? process.env.CONTRACTOR_PRIVATE_KEY_FILE;
  if (!keyFile)
    throw new ContractorError(
      'USAGE',
      "pass --private-key FILE: the App's private key (.pem) from its settings page",
    );
  const privateKey = await readFile(keyFile, 'utf8').catch((err: Error) => {
    throw new ContractorError('USAGE', `cannot read the private key ${keyFile}: ${err.message}`, {
      cause: err,
    });
  });
  const policies = await policiesFrom(flags);
  if (policies.owners.length === 0)
    process.stderr.write(
      'contractor app: building for every installation; pass --allow-owner LOGIN to limit it\n',
    );
  const signIn = await signInFrom(flags);
  if (!signIn)
    process.stderr.write(
      'contractor app: no --client-id: report pages of private repositories are shown to nobody\n',
    );
  const executor = await appExecutor(flags.manager);
  const app = await startApp({
    appId,
    privateKey,
    webhookSecret: await secretFrom(flags),
    apiUrl: flags.apiUrl,
    gitUrl: flags.gitUrl ?? gitUrlFor(flags.apiUrl),
    publicUrl: flags.publicUrl,
    host: flags.host,
    port: positiveInt(flags.port, '--port'),
    dataDir: flags.dataDir ?? join(contractorHome(), 'app'),
    database: databaseFrom(flags),
    leaseMs: durationFlag(flags.lease, '--lease'),
    maxSharedArtifactBytes: parseSize(flags.sharedArtifacts),
    policies,
    signIn,
    execute: executor.execute,
    concurrency: Math.max(1, positiveInt(flags.jobs, '--jobs')),
    perRepository: Math.max(1, positiveInt(flags.perRepository, '--per-repository')),
    maxBodyBytes: parseSize(flags.maxBody),
    maxConnections: Math.max(1, positiveInt(flags.maxConnections, '--max-connections')),
    retention: {
      keepDays: positiveInt(flags.keepDays, '--keep-days'),
      keepBytes: parseSize(flags.keepSize),
    },
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stderr.write(
    `contractor app: listening on ${app.url} (webhooks at /webhooks), building on ${executor.where}\n`,
  );
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
  });
  await app.close();
}

export function addAppCommands(program: Command): void {
  const app = program.command('app').description('the GitHub App: webhooks in, check runs out');
  app
    .command('serve')
    .description(
      'receive webhooks, build each head sha in a worker, report a check run named contractor',
    )
    .option('--app-id <id>', 'the GitHub App id (default: $CONTRACTOR_APP_ID)')
    .option(
      '--private-key <file>',
      "the App's private key PEM (default: $CONTRACTOR_PRIVATE_KEY_FILE)",
    )
    .option(
      '--webhook-secret-file <file>',
      'the webhook secret (default: $CONTRACTOR_WEBHOOK_SECRET)',
    )
    .option(
      '--api-url <url>',
      'GitHub API base URL; GHES: https://HOST/api/v3',
      'https://api.github.com',
    )
    .option('--git-url <url>', 'where repositories are fetched from (default: from --api-url)')
    .option('--public-url <url>', 'this server as users reach it, for the report links')
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'listen port', '3000')
    .option('--data-dir <dir>', 'queue, git cache and runs (default: $CONTRACTOR_HOME/app)')
    .option(
      '--repositories <file>',
      "the operator's policy per owner/repo and id (YAML); branch specs only narrow it",
    )
    .option(
      '--allow-owner <login>',
      'build only for installations on this account (repeatable; adds to owners: in --repositories)',
      collect,
      [],
    )
    .option('--jobs <n>', 'builds at once', '2')
    .option('--per-repository <n>', 'builds of one repository at once', '2')
    .option(
      '--manager <name>',
      'build on remote managers from $CONTRACTOR_HOME/config.yaml (NAME, A,B or * for the pool; default: this machine)',
    )
    .option('--max-body <size>', 'largest webhook body accepted', '25MiB')
    .option(
      '--client-id <id>',
      "the App's Client ID, for GitHub sign-in to private repositories' reports (default: $CONTRACTOR_CLIENT_ID)",
    )
    .option(
      '--client-secret-file <file>',
      "a client secret of the App's (default: $CONTRACTOR_CLIENT_SECRET)",
    )
    .option(
      '--access-recheck <duration>',
      "how long a signed-in user's read access holds before GitHub is asked again",
      '10m',
    )
    .option('--max-connections <n>', 'HTTP connections at once; more are closed unread', '256')
    .option('--keep-days <n>', 'days a finished run (log, artifacts) is kept', '30')
    .option('--keep-size <size>', 'the most finished runs may take; the oldest go first', '20GiB')
    .option(
      '--database <url>',
      'postgresql://… shared by several App replicas (default: $CONTRACTOR_DATABASE_URL; none: SQLite in --data-dir)',
    )
    .option(
      '--lease <duration>',
      "how long a replica's claim on a job holds unrenewed before another takes it over",
      '60s',
    )
    .option(
      '--shared-artifacts <size>',
      'artifacts per run kept in the database for every replica to serve (with --database)',
      '64MiB',
    )
    .action(serve);
}
