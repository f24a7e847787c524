// The App's HTTP surface on node:http: a webhook endpoint, report pages, a health check. Three routes need no framework.
import { createServer, type Server } from 'node:http';
import { serveReport, type ReportRouteOptions } from './report-route.js';
import { serveRepository, type RepositoryRouteOptions } from './repository-route.js';
import { CALLBACK_PATH, type SignIn } from './sign-in.js';
import { receiveWebhook, type WebhookOptions } from './webhook-receive.js';

export const WEBHOOK_PATH = '/webhooks';

/** Far above what GitHub sends at once (it waits for each answer), far below the fds a process has. */
export const DEFAULT_MAX_CONNECTIONS = 256;

export function createAppServer(o: {
  webhook: WebhookOptions;
  report: ReportRouteOptions;
  repository: RepositoryRouteOptions;
  signIn?: SignIn;
  log: (l: string) => void;
  maxConnections: number;
}): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handle =
      path === WEBHOOK_PATH
        ? receiveWebhook(req, res, o.webhook)
        : path.startsWith('/runs/')
          ? serveReport(req, res, o.report)
          : path.startsWith('/repos/') || path.startsWith('/badge/')
            ? serveRepository(req, res, o.repository)
            : path === CALLBACK_PATH && o.signIn
              ? o.signIn.callback(req, res)
              : Promise.resolve(
                  path === '/healthz'
                    ? void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n')
                    : void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n'),
                );
    handle.catch((err: unknown) => {
      o.log(`${req.method} ${path}: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  // Slow clients do not hold sockets forever; GitHub sends a whole delivery in one go.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  // Connections past the cap are closed as they are accepted, before a byte of them is read.
  server.maxConnections = o.maxConnections;
  return server;
}
