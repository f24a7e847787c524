// Which Docker Engine API call a request is, parsed at the edge; anything else is not a build's to make.
import { ContainerRefusal } from './container-refusal.js';
import type { ObjectKind } from './job-objects.js';

export type Operation =
  | 'ping'
  | 'version'
  | 'info'
  | 'build'
  | 'image.pull'
  | 'image.list'
  | 'image.inspect'
  | 'image.tag'
  | 'image.remove'
  | 'container.create'
  | 'container.list'
  | 'container.inspect'
  | 'container.start'
  | 'container.wait'
  | 'container.attach'
  | 'container.logs'
  | 'container.stop'
  | 'container.kill'
  | 'container.resize'
  | 'container.remove'
  | 'container.exec'
  | 'exec.start'
  | 'exec.inspect'
  | 'exec.resize'
  | 'network.create'
  | 'network.list'
  | 'network.inspect'
  | 'network.remove'
  | 'network.connect'
  | 'network.disconnect'
  | 'volume.create'
  | 'volume.list'
  | 'volume.inspect'
  | 'volume.remove';

export interface ApiRoute {
  op: Operation;
  /** The object the call acts on, as the build spelled it (decoded). */
  ref?: string;
  kind?: ObjectKind;
  /** The API version prefix the client used (`/v1.41`), or ''. */
  version: string;
  query: URLSearchParams;
}

/** Query parameters each call may carry; others are dropped, never forwarded. */
export const QUERY_PARAMS: Partial<Record<Operation, string[]>> = {
  build: [
    't',
    'dockerfile',
    'q',
    'nocache',
    'rm',
    'forcerm',
    'pull',
    'buildargs',
    'labels',
    'target',
    'platform',
    'networkmode',
    'shmsize',
    'memory',
    'memswap',
    'cpushares',
    'cpuquota',
    'cpuperiod',
    'cachefrom',
    'extrahosts',
  ],
  'image.pull': ['fromImage', 'tag', 'platform'],
  'image.list': ['all', 'digests', 'filters'],
  'image.tag': ['repo', 'tag'],
  'image.remove': ['force', 'noprune'],
  'container.create': ['name', 'platform'],
  'container.list': ['all', 'limit', 'size', 'filters'],
  'network.list': ['filters'],
  'volume.list': ['filters'],
  'container.inspect': ['size'],
  'container.start': ['detachKeys'],
  'container.wait': ['condition'],
  'container.attach': ['stream', 'stdin', 'stdout', 'stderr', 'logs', 'detachKeys'],
  'container.logs': ['follow', 'stdout', 'stderr', 'since', 'until', 'timestamps', 'tail'],
  'container.stop': ['t', 'signal'],
  'container.kill': ['signal'],
  'container.resize': ['h', 'w'],
  'container.remove': ['force', 'v'],
  'exec.resize': ['h', 'w'],
  'network.remove': [],
  'volume.remove': ['force'],
};

const VERSION = /^\/v\d+\.\d+(?=\/)/;

type Pattern = [method: string, path: RegExp, op: Operation, kind?: ObjectKind];

// Image names hold slashes (`localhost/app:1`), so their pattern takes everything up to the verb.
const PATTERNS: Pattern[] = [
  ['GET', /^\/_ping$/, 'ping'],
  ['HEAD', /^\/_ping$/, 'ping'],
  ['GET', /^\/version$/, 'version'],
  ['GET', /^\/info$/, 'info'],
  ['POST', /^\/build$/, 'build'],
  ['POST', /^\/images\/create$/, 'image.pull'],
  ['GET', /^\/images\/json$/, 'image.list'],
  ['GET', /^\/images\/(.+)\/json$/, 'image.inspect', 'image'],
  ['POST', /^\/images\/(.+)\/tag$/, 'image.tag', 'image'],
  ['DELETE', /^\/images\/(.+)$/, 'image.remove', 'image'],
  ['POST', /^\/containers\/create$/, 'container.create'],
  ['GET', /^\/containers\/json$/, 'container.list'],
  ['GET', /^\/containers\/([^/]+)\/json$/, 'container.inspect', 'container'],
  ['POST', /^\/containers\/([^/]+)\/start$/, 'container.start', 'container'],
  ['POST', /^\/containers\/([^/]+)\/wait$/, 'container.wait', 'container'],
  ['POST', /^\/containers\/([^/]+)\/attach$/, 'container.attach', 'container'],
  ['GET', /^\/containers\/([^/]+)\/logs$/, 'container.logs', 'container'],
  ['POST', /^\/containers\/([^/]+)\/stop$/, 'container.stop', 'container'],
  ['POST', /^\/containers\/([^/]+)\/kill$/, 'container.kill', 'container'],
  ['POST', /^\/containers\/([^/]+)\/resize$/, 'container.resize', 'container'],
  ['DELETE', /^\/containers\/([^/]+)$/, 'container.remove', 'container'],
  ['POST', /^\/containers\/([^/]+)\/exec$/, 'container.exec', 'container'],
  ['POST', /^\/exec\/([^/]+)\/start$/, 'exec.start', 'exec'],
  ['GET', /^\/exec\/([^/]+)\/json$/, 'exec.inspect', 'exec'],
  ['POST', /^\/exec\/([^/]+)\/resize$/, 'exec.resize', 'exec'],
  ['POST', /^\/networks\/create$/, 'network.create'],
  ['GET', /^\/networks$/, 'network.list'],
  ['GET', /^\/networks\/([^/]+)$/, 'network.inspect', 'network'],
  ['DELETE', /^\/networks\/([^/]+)$/, 'network.remove', 'network'],
  ['POST', /^\/networks\/([^/]+)\/connect$/, 'network.connect', 'network'],
  ['POST', /^\/networks\/([^/]+)\/disconnect$/, 'network.disconnect', 'network'],
  ['POST', /^\/volumes\/create$/, 'volume.create'],
  ['GET', /^\/volumes$/, 'volume.list'],
  ['GET', /^\/volumes\/([^/]+)$/, 'volume.inspect', 'volume'],
  ['DELETE', /^\/volumes\/([^/]+)$/, 'volume.remove', 'volume'],
];

export function parseApiRoute(method: string, url: string): ApiRoute {
  const parsed = new URL(url, 'http://docker');
  const version = VERSION.exec(parsed.pathname)?.[0] ?? '';
  const path = parsed.pathname.slice(version.length);
  for (const [m, pattern, op, kind] of PATTERNS) {
    if (m !== method) continue;
    const hit = pattern.exec(path);
    if (!hit) continue;
    const ref = hit[1] === undefined ? undefined : decode(hit[1]);
    return { op, version, query: parsed.searchParams, ...(ref ? { ref, kind } : {}) };
  }
  throw new ContainerRefusal(
    `${method} ${path}`,
    'is not among the Docker API calls a build is given (images, containers, networks, volumes of its own)',
  );
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ContainerRefusal(segment, 'is not a well-formed path', 400);
  }
}

/** The call's query, rebuilt from the parameters it may carry. */
export function allowedQuery(route: ApiRoute): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of QUERY_PARAMS[route.op] ?? [])
    for (const value of route.query.getAll(key)) out.append(key, value);
  return out;
}
