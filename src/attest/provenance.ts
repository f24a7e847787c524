// SLSA Provenance v1 for one job: what was built, from which commit, under which policy, by which manager.
import type { EffectivePolicy } from '../spec/policy.js';
import type { DriverName } from '../spec/types.js';
import { STATEMENT_TYPE, type Statement } from './statement.js';

export const PROVENANCE_TYPE = 'https://slsa.dev/provenance/v1';
// A URI under this project's own namespace (.invalid: reserved, never resolvable), versioned so it can change.
export const BUILD_TYPE = 'https://contractor.invalid/buildtypes/job/v1';

export interface ProvenanceInput {
  /** The collected artifacts, named by their path under artifacts/. */
  artifacts: { name: string; sha256: string }[];
  /** The repository URI, as resolvedDependencies names it (e.g. git+https://github.com/o/r). */
  repository: string;
  /** The full commit id that was built; none for a snapshot of a directory. */
  commit?: string;
  /**
   * What was built, as the first resolved dependency: by default the commit. A snapshot names
   * its own digest (a git tree for --worktree, the source tar's sha256 for contractor build).
   */
  source?: ResourceDescriptor;
  /** sha256 of the .contractor.yaml that was built, hex. */
  specDigest: string;
  /** The effective policy the job ran under: what a pull request could not widen. */
  policy: EffectivePolicy;
  driver: DriverName;
  /** sha256 of the worker image, hex. */
  imageDigest: string;
  /** Who built it: the manager's id URI. */
  managerId: string;
  /** The job id. */
  invocationId: string;
  startedOn: Date | string;
  finishedOn: Date | string;
}

export interface ProvenancePredicate {
  buildDefinition: {
    buildType: string;
    externalParameters: {
      repository: string;
      commit?: string;
      specDigest: string;
      policy: EffectivePolicy;
    };
    internalParameters: { driver: DriverName };
    resolvedDependencies: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string };
    metadata: { invocationId: string; startedOn: string; finishedOn: string };
  };
}

export interface ResourceDescriptor {
  uri?: string;
  name?: string;
  digest: Record<string, string>;
}

export function buildStatement(input: ProvenanceInput): Statement<ProvenancePredicate> {
  return {
    _type: STATEMENT_TYPE,
    subject: input.artifacts.map((a) => ({ name: a.name, digest: { sha256: a.sha256 } })),
    predicateType: PROVENANCE_TYPE,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          repository: input.repository,
          ...(input.commit ? { commit: input.commit } : {}),
          specDigest: input.specDigest,
          policy: input.policy,
        },
        internalParameters: { driver: input.driver },
        resolvedDependencies: [
          input.source ?? { uri: input.repository, digest: { gitCommit: input.commit ?? '' } },
          { name: 'worker-image', digest: { sha256: input.imageDigest } },
        ],
      },
      runDetails: {
        builder: { id: input.managerId },
        metadata: {
          invocationId: input.invocationId,
          startedOn: timestamp(input.startedOn),
          finishedOn: timestamp(input.finishedOn),
        },
      },
    },
  };
}

function timestamp(value: Date | string): string {
  return typeof value === 'string' ? value : value.toISOString();
}
