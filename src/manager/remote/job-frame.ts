// The control frames of the remote protocol as typed values; every frame from a peer is checked
// against schemas/manager-protocol.schema.json before anything else looks at it.
import { Ajv, type ValidateFunction } from 'ajv';
import { ContractorError, type ErrorCode } from '../../errors.js';
import type { SourceOrigin } from '../../attest/source-origin.js';
import type { Violation } from '../../net/violation.js';
import type { EffectivePolicy } from '../../spec/policy.js';
import { loadSchema } from '../../spec/schema.js';
import type { DriverName } from '../../spec/types.js';

export interface HelloFrame {
  type: 'hello';
  protocol: number;
  /** `contractor X.Y.Z`, for messages. */
  software: string;
  role: 'client' | 'manager';
  /** The manager's jobs running now, across all its sessions. */
  running?: number;
}

export interface JobFrame {
  type: 'job';
  id: string;
  /** The spec document; the manager parses and validates it again. */
  spec: string;
  specFile: string;
  policy: EffectivePolicy;
  driver: DriverName;
  commit?: string;
  tree?: string;
  audit: boolean;
  /** The spec's saved workspace follows, before the source; it returns as workspace.tar. */
  workspace?: boolean;
  /** The source tar has every entry under src/, as the worker takes it. */
  sourceUnderSrc?: boolean;
  /** Where the source came from, as the client's trusted side knows it; without it nothing is signed. */
  origin?: SourceOrigin;
}

/** Closes an upload of data frames: the source, or the saved workspace before it. */
export interface StreamEndFrame {
  type: 'source-end' | 'workspace-end';
  bytes: number;
  sha256: string;
}

export type WireEvent =
  | { type: 'phase'; phase: 'setup' | 'build'; at: number }
  | {
      type: 'output';
      phase: 'setup' | 'build' | 'worker';
      stream: 'stdout' | 'stderr';
      data: string;
    }
  | { type: 'violation'; violation: Violation }
  | { type: 'status'; message: string };

export interface EventFrame {
  type: 'event';
  /** Numbered per job attempt from 0, so the client can drop a repeat. */
  seq: number;
  event: WireEvent;
}

export interface FileFrame {
  type: 'file';
  /** Relative to the job's output directory: log.txt, artifacts/…, the attestation files, workspace.tar. */
  path: string;
  size: number;
  sha256: string;
}

export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
}

export type ClientFrame = HelloFrame | JobFrame | StreamEndFrame | ErrorFrame;
export type ManagerFrame =
  | HelloFrame
  | { type: 'accepted'; id: string }
  | EventFrame
  | FileFrame
  | { type: 'result'; result: Record<string, unknown> }
  | ErrorFrame;

const CLIENT_TYPES = ['hello', 'job', 'workspace-end', 'source-end', 'error'] as const;
const MANAGER_TYPES = ['hello', 'accepted', 'event', 'file', 'result', 'error'] as const;

let validators: Map<string, ValidateFunction> | undefined;

function validatorFor(type: string): ValidateFunction {
  if (!validators) {
    const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
    const schema = loadSchema('manager-protocol.schema.json');
    ajv.addSchema(schema);
    const id = schema.$id as string;
    validators = new Map(
      [...new Set([...CLIENT_TYPES, ...MANAGER_TYPES])].map((t) => [
        t,
        ajv.getSchema(`${id}#/definitions/${t}`) as ValidateFunction,
      ]),
    );
  }
  return validators.get(type) as ValidateFunction;
}

function parseFrame<T>(value: unknown, allowed: readonly string[], from: string): T {
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !allowed.includes(type))
    throw new ContractorError(
      'PROTOCOL',
      `the ${from} sent a frame of unknown type ${JSON.stringify(type)}`,
    );
  const validate = validatorFor(type);
  if (!validate(value)) {
    const e = validate.errors?.[0];
    throw new ContractorError(
      'PROTOCOL',
      `the ${from} sent a malformed ${type} frame: ${e?.instancePath || 'the frame'} ${e?.message ?? 'is invalid'}`,
    );
  }
  return value as T;
}

export function parseClientFrame(value: unknown): ClientFrame {
  return parseFrame<ClientFrame>(value, CLIENT_TYPES, 'client');
}

export function parseManagerFrame(value: unknown): ManagerFrame {
  return parseFrame<ManagerFrame>(value, MANAGER_TYPES, 'manager');
}
