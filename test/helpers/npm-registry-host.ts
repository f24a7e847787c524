// A read-only npm registry, as a company's private one serves packages: the packument of each
// NAME-VERSION.tgz in a directory, and the tarball. Run as a program: ADDRESS DIR; it prints
// `listening` once it listens on port 80, then one line per request.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const [address, dir] = process.argv.slice(2) as [string, string];
const base = `http://${address}`;
const packages = new Map<string, { version: string; tgz: Buffer; file: string }>();
for (const file of readdirSync(dir).filter((f) => f.endsWith('.tgz'))) {
  const m = /^(.+)-(\d+\.\d+\.\d+)\.tgz$/.exec(file);
  if (m) packages.set(m[1]!, { version: m[2]!, tgz: readFileSync(join(dir, file)), file });
}

function packument(name: string, p: { version: string; tgz: Buffer; file: string }): object {
  return {
    name,
    'dist-tags': { latest: p.version },
    versions: {
      [p.version]: {
        name,
        version: p.version,
        dist: {
          tarball: `${base}/${name}/-/${p.file}`,
          integrity: `sha512-${createHash('sha512').update(p.tgz).digest('base64')}`,
          shasum: createHash('sha1').update(p.tgz).digest('hex'),
        },
      },
    },
  };
}

createServer((req, res) => {
  console.log(`${req.method} ${req.url}`);
  const [, name, dash, file] = (req.url ?? '').split('/');
  const p = packages.get(decodeURIComponent(name ?? ''));
  if (p && dash === undefined) {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(packument(name!, p)));
  } else if (p && dash === '-' && file === p.file) {
    res.setHeader('content-type', 'application/octet-stream');
    res.end(p.tgz);
  } else res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
}).listen(80, address, () => console.log('listening'));
