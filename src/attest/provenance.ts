// SLSA Provenance v1 for one job: what was built, from which source, under which policy, by which builder.
import type { EffectivePolicy } from '../spec/policy.js';
import type { DriverName } from '../spec/types.js';
import { builderIdFor, type BuildEvent, type SourceOrigin } from './source-origin.js';
import { STATEMENT_TYPE, type Statement } from './statement.js';

export const PROVENANCE_TYPE = 'https://slsa.dev/provenance/v1';
// A URI under this project's own namespace (.invalid: reserved, never resolvable), versioned so it can change.
export const BUILD_TYPE = 'https://contractor.invalid/buildtypes/job/v1';

export interface ProvenanceInput {
  /** The collected artifacts, named by their path under artifacts/. */
  artifacts: { name: string; sha256: string }[];
  /** The repository, ref, event and trust of the source, as the trusted side knows them. */
  origin: SourceOrigin;
  /** The full commit id that was asked for; none for a snapshot. */
  commit?: string;
  /**
   * The digest of what the builder itself had in hand: gitCommit for a local commit, gitTree for
   * a --worktree snapshot, sha256 of the source archive a manager received or a directory's tar.
   */
  sourceDigest: Record<string, string>;
  /** Notes on the source's digest: why a manager names no gitTree. */
  sourceAnnotations?: Record<string, string>;
  /** sha256 of the .contractor.yaml that was built, hex. */
  specDigest: string;
  /** The effective policy the job ran under: what a pull request could not widen. */
  policy: EffectivePolicy;
  driver: DriverName;
  /** sha256 of the worker image, hex. */
  imageDigest: string;
  /** Which machine built it: local://HOST or ssh://HOST. The builder id says under which trust. */
  host: string;
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
      ref?: string;
      event: BuildEvent;
      trusted: boolean;
      commit?: string;
      specDigest: string;
      policy: EffectivePolicy;
    };
    internalParameters: { driver: DriverName; host: string };
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
  annotations?: Record<string, string>;
}

export function buildStatement(input: ProvenanceInput): Statement<ProvenancePredicate> {
  const { origin } = input;
  return {
    _type: STATEMENT_TYPE,
    subject: input.artifacts.map((a) => ({ name: a.name, digest: { sha256: a.sha256 } })),
    predicateType: PROVENANCE_TYPE,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          repository: origin.repository,
          ...(origin.ref ? { ref: origin.ref } : {}),
          event: origin.event,
          trusted: origin.trusted,
          ...(input.commit ? { commit: input.commit } : {}),
          specDigest: input.specDigest,
          policy: input.policy,
        },
        internalParameters: { driver: input.driver, host: input.host },
        resolvedDependencies: [
          {
            uri: sourceUri(origin),
            digest: input.sourceDigest,
            ...(input.sourceAnnotations ? { annotations: input.sourceAnnotations } : {}),
          },
          { name: 'worker-image', digest: { sha256: input.imageDigest } },
        ],
      },
      runDetails: {
        // Trusted and untrusted sources are signed as different builders, so a verifier can require one.
        builder: { id: builderIdFor(origin) },
        metadata: {
          invocationId: input.invocationId,
          startedOn: timestamp(input.startedOn),
          finishedOn: timestamp(input.finishedOn),
        },
      },
    },
  };
}

// SPDX-style source locator, as SLSA's examples write it: git+URL@REF.
function sourceUri(origin: SourceOrigin): string {
  const url = origin.repository.startsWith('git+') ? origin.repository : `git+${origin.repository}`;
  return origin.ref ? `${url}@${origin.ref}` : url;
}

function timestamp(value: Date | string): string {
  return typeof value === 'string' ? value : value.toISOString();
}
