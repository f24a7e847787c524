// The headers every answer of the report and sign-in routes carries: strict CSP, no caching, no indexing.
import type { ServerResponse } from 'node:http';
import { REPORT_CSP } from '../report/report-page.js';

/** Run pages are not for search engines, even the public ones: a run id is a capability to share. */
export const NO_INDEX = { 'X-Robots-Tag': 'noindex, nofollow' };

export function sendPage(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Security-Policy': REPORT_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    ...NO_INDEX,
    ...headers,
  });
  res.end(body);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  sendPage(res, status, 'text/plain; charset=utf-8', `${text}\n`);
}

export function notFound(res: ServerResponse): void {
  sendText(res, 404, 'not found');
}
