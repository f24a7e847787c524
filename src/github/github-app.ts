// The App's identity on GitHub: a JWT signed with its private key, exchanged for installation tokens.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { ContractorError } from '../errors.js';
import type { AppJob } from './app-job.js';

export interface GitHubAppOptions {
  appId: number;
  privateKey: string;
  /** https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server. */
  apiUrl: string;
  log?: (line: string) => void;
}

export interface Installation {
  octokit: Octokit;
  /** An installation access token, cached and renewed by auth-app; for git fetch only. */
  token: () => Promise<string>;
}

export class GitHubApp {
  private readonly app: Octokit;
  private readonly installations = new Map<number, Installation>();
  private readonly installationIds = new Map<string, number>();

  constructor(private readonly o: GitHubAppOptions) {
    this.app = this.octokit();
  }

  private octokit(installationId?: number): Octokit {
    const warn = (msg: string): void => this.o.log?.(`github: ${msg}`);
    return new Octokit({
      baseUrl: this.o.apiUrl.replace(/\/+$/, ''),
      authStrategy: createAppAuth,
      auth: { appId: this.o.appId, privateKey: this.o.privateKey, ...(installationId ? { installationId } : {}) },
      userAgent: 'contractor-app',
      log: { debug: () => {}, info: () => {}, warn, error: warn },
    });
  }

  /** The installation a job belongs to; a payload without one is looked up by repository. */
  async installation(job: Pick<AppJob, 'installationId' | 'owner' | 'repo'>): Promise<Installation> {
    const id = job.installationId ?? (await this.lookupInstallation(job.owner, job.repo));
    let inst = this.installations.get(id);
    if (!inst) {
      const octokit = this.octokit(id);
      const token = async (): Promise<string> =>
        ((await octokit.auth({ type: 'installation' })) as { token: string }).token;
      inst = { octokit, token };
      this.installations.set(id, inst);
    }
    return inst;
  }

  private async lookupInstallation(owner: string, repo: string): Promise<number> {
    const key = `${owner}/${repo}`;
    const known = this.installationIds.get(key);
    if (known) return known;
    try {
      const { data } = await this.app.request('GET /repos/{owner}/{repo}/installation', { owner, repo });
      this.installationIds.set(key, data.id);
      return data.id;
    } catch (err) {
      throw new ContractorError(
        'INFRASTRUCTURE',
        `the App is not installed on ${key} (or its private key or app id is wrong): ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}
