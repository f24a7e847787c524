// An exec request rebuilt: a command in one of the job's containers, never with more privilege than it.
import { ContainerRefusal } from './container-refusal.js';
import { isObject, isUnset, type JsonObject } from './json-value.js';

const PASSED = [
  'AttachStdin',
  'AttachStdout',
  'AttachStderr',
  'DetachKeys',
  'Tty',
  'ConsoleSize',
  'Env',
  'Cmd',
  'WorkingDir',
  'User',
] as const;

export function rebuildExecCreate(body: unknown): JsonObject {
  if (!isObject(body)) throw new ContainerRefusal('body', 'is not a JSON object', 400);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    if ((PASSED as readonly string[]).includes(key)) out[key] = value;
    else if (key === 'Privileged' && !isUnset(value))
      throw new ContainerRefusal('Exec.Privileged', 'a privileged exec holds every capability');
    else if (!isUnset(value))
      throw new ContainerRefusal(
        `Exec.${key}`,
        'is not among the settings the filter passes to a build',
      );
  }
  return out;
}

/** The start of an exec: attached or detached, with a terminal or not; nothing else. */
export function rebuildExecStart(body: unknown): JsonObject {
  const b = isObject(body) ? body : {};
  const out: JsonObject = { Detach: b.Detach === true, Tty: b.Tty === true };
  if (Array.isArray(b.ConsoleSize)) out.ConsoleSize = b.ConsoleSize;
  return out;
}
