// Requests to the container engine's own socket (Podman's Docker-compatible service), made by the filter.
import { request, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { ContractorError } from '../../errors.js';

export interface EngineResponse {
  status: number;
  body: Buffer;
}

/** Opens a request to the engine; the caller writes the body and reads the response. */
export function engineRequest(
  socketPath: string,
  method: string,
  path: string,
  headers: OutgoingHttpHeaders = {},
) {
  return request({ socketPath, method, path, headers: { Host: 'docker', ...headers } });
}

/** One whole call, for the small JSON answers the filter reads itself (inspect, list, create). */
export function engineCall(
  socketPath: string,
  method: string,
  path: string,
  json?: unknown,
): Promise<EngineResponse> {
  const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
  const headers = body ? { 'Content-Type': 'application/json', 'Content-Length': body.length } : {};
  return new Promise((resolve, reject) => {
    const req = engineRequest(socketPath, method, path, headers);
    req.on('error', (err) => reject(unreachable(socketPath, err)));
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.end(body);
  });
}

export function unreachable(socketPath: string, cause: unknown): ContractorError {
  return new ContractorError(
    'INFRASTRUCTURE',
    `the container engine at ${socketPath} did not answer; is its service running?`,
    { cause },
  );
}
