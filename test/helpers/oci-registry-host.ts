// A read-only container registry (the Docker Registry HTTP API V2, the part a pull uses), as a
// team's own serves images: plain HTTP on port 80. Run as a program: ADDRESS DIR, where DIR is what
// writeOciImage made; it prints `listening` once it listens, then one line per request.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const [, dir] = process.argv.slice(2) as [string, string];
const tags = JSON.parse(readFileSync(join(dir, 'tags.json'), 'utf8')) as Record<string, string>;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function blob(digest: string): Buffer | undefined {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  const path = m ? join(dir, 'blobs', m[1] as string) : '';
  return m && existsSync(path) ? readFileSync(path) : undefined;
}

createServer((req, res) => {
  console.log(`${req.method} ${req.url}`);
  res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
  const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(req.url ?? '');
  if (req.url === '/v2/') {
    res.setHeader('content-type', 'application/json');
    res.end('{}');
    return;
  }
  const [, name, kind, ref] = m ?? [];
  const digest = kind === 'manifests' && !ref?.startsWith('sha256:') ? tags[`${name}:${ref}`] : ref;
  const body = digest ? blob(digest) : undefined;
  if (!body) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: `${req.url}` }] }));
    return;
  }
  res.writeHead(200, {
    'content-type': kind === 'manifests' ? MANIFEST : 'application/octet-stream',
    'content-length': body.length,
    'Docker-Content-Digest': digest,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}).listen(80, process.argv[2], () => console.log('listening'));
