// Spreads jobs over managers by free capacity. Opening a session is the health check: a manager
// that fails before it takes a job is skipped and marked unhealthy for a while; a job whose
// manager is lost mid-run is retried once on another, then ends with status error naming both.
import { ContractorError } from '../../errors.js';
import type { JobRequest, JobResult } from '../job.js';
import type { ManagerConfig } from './manager-config.js';
import type { ManagerSession } from './manager-session.js';
import { runRemoteAttempt } from './remote-attempt.js';
import { openSshSession } from './ssh-session.js';
import { unfinishedResult } from './unfinished-result.js';

export type SessionOpener = (m: ManagerConfig) => Promise<ManagerSession>;

interface Member {
  config: ManagerConfig;
  inFlight: number;
  unhealthyUntil: number;
}

/** Problems with the job itself: another manager would refuse it the same way. */
const JOB_PROBLEMS = new Set(['USAGE', 'SPEC_SYNTAX', 'SPEC_INVALID', 'POLICY', 'GIT', 'VERIFY']);

const MAX_LOST = 2;

export class ManagerPool {
  private readonly members: Member[];
  private warmed = new Map<Member, Promise<ManagerSession>>();

  constructor(
    managers: ManagerConfig[],
    private readonly open: SessionOpener = (m) => openSshSession(m),
    private readonly unhealthyMs = 60_000,
  ) {
    this.members = managers.map((config) => ({ config, inFlight: 0, unhealthyUntil: 0 }));
  }

  /** Starts opening sessions now, so the SSH handshake and the manager's start-up overlap with
   * the caller's own preparation; the next job takes them. */
  warm(): void {
    for (const member of this.candidates(new Set())) {
      if (this.warmed.has(member)) continue;
      const opening = this.open(member.config);
      opening.catch(() => undefined);
      this.warmed.set(member, opening);
    }
  }

  /** Closes warmed sessions that no job took. */
  release(): void {
    for (const opening of this.warmed.values())
      opening.then(
        (s) => s.close(),
        () => undefined,
      );
    this.warmed.clear();
  }

  /** Names of the managers marked unhealthy now. */
  unhealthy(): string[] {
    return this.members.filter((m) => m.unhealthyUntil > Date.now()).map((m) => m.config.name);
  }

  async run(req: JobRequest): Promise<JobResult> {
    const started = new Date();
    const tried = new Set<Member>();
    const unreachable: string[] = [];
    const lost: string[] = [];
    while (lost.length < MAX_LOST) {
      const pick = await this.openBest(tried, unreachable);
      if (!pick) break;
      let accepted = false;
      try {
        return await runRemoteAttempt(pick.session, req, {
          onAccepted: () => (accepted = true),
          lostBefore: [...lost],
        });
      } catch (err) {
        if (req.signal?.aborted) return unfinishedResult(req, started, 'the job was cancelled');
        if (err instanceof ContractorError && JOB_PROBLEMS.has(err.code)) throw err;
        this.markUnhealthy(pick.member);
        const why = (err as Error).message;
        if (!accepted) {
          unreachable.push(why);
          continue;
        }
        lost.push(pick.member.config.name);
        req.onEvent?.({
          type: 'status',
          message: `${why}; ${lost.length < MAX_LOST ? 'retrying the job on another manager' : 'not retrying again'}`,
        });
      } finally {
        pick.member.inFlight--;
      }
    }
    if (lost.length) return unfinishedResult(req, started, lostSummary(lost, unreachable));
    throw new ContractorError(
      'INFRASTRUCTURE',
      `no manager could take job ${req.id}: ${unreachable.join('; ')}`,
    );
  }

  /** Opens sessions to the untried managers at once and keeps the one with the most room. */
  private async openBest(
    tried: Set<Member>,
    unreachable: string[],
  ): Promise<{ member: Member; session: ManagerSession } | undefined> {
    const untried = this.members.filter((m) => !tried.has(m));
    const candidates = this.candidates(tried);
    candidates.forEach((m) => tried.add(m));
    const opened = await Promise.all(
      candidates.map(async (member) => {
        const warm = this.warmed.get(member);
        this.warmed.delete(member);
        try {
          return { member, session: await (warm ?? this.open(member.config)) };
        } catch (err) {
          this.markUnhealthy(member);
          unreachable.push((err as Error).message);
          return undefined;
        }
      }),
    );
    const live = opened.filter((o) => o !== undefined);
    if (!live.length)
      return candidates.length < untried.length ? this.openBest(tried, unreachable) : undefined;
    live.sort((a, b) => freeSlots(b) - freeSlots(a));
    const [best, ...rest] = live;
    // Taken in the same turn as the choice, so a job choosing at the same moment sees it.
    if (best) best.member.inFlight++;
    // The runners-up were only health-checked: they end the session without a job.
    rest.forEach((o) => {
      o.session.close();
      tried.delete(o.member);
    });
    return best;
  }

  private candidates(tried: Set<Member>): Member[] {
    const untried = this.members.filter((m) => !tried.has(m));
    const healthy = untried.filter((m) => m.unhealthyUntil <= Date.now());
    // Unhealthy managers get another chance only when nothing else is left.
    return healthy.length ? healthy : untried;
  }

  private markUnhealthy(m: Member): void {
    m.unhealthyUntil = Date.now() + this.unhealthyMs;
  }
}

function freeSlots(o: { member: Member; session: ManagerSession }): number {
  return o.member.config.capacity - Math.max(o.session.hello.running ?? 0, o.member.inFlight);
}

function lostSummary(lost: string[], unreachable: string[]): string {
  const first = `manager ${lost[0]} was lost mid-run`;
  if (lost.length > 1)
    return `${first}, and so was manager ${lost[1]} on the retry; the job did not finish`;
  const others = unreachable.length ? ` (${unreachable.join('; ')})` : '';
  return `${first} and no other manager could take the job${others}; the job did not finish`;
}
