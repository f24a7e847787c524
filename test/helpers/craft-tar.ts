// Crafts tar archives with entries no honest tool would write, using Python's tarfile module.
import { execFileSync } from 'node:child_process';

export interface CraftedEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'fifo';
  content?: string;
  linkname?: string;
  mode?: number;
  size?: number;
}

const SCRIPT = `
import io, json, sys, tarfile
entries = json.loads(sys.argv[2])
kinds = {'file': tarfile.REGTYPE, 'dir': tarfile.DIRTYPE, 'symlink': tarfile.SYMTYPE,
         'hardlink': tarfile.LNKTYPE, 'chardev': tarfile.CHRTYPE, 'fifo': tarfile.FIFOTYPE}
with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as t:
    for e in entries:
        info = tarfile.TarInfo(e['name'])
        info.type = kinds[e['type']]
        info.mode = e.get('mode', 0o644)
        info.linkname = e.get('linkname', '')
        data = None
        if e['type'] == 'file':
            raw = e.get('content', '').encode() if 'size' not in e else b'x' * e['size']
            info.size = len(raw)
            data = io.BytesIO(raw)
        if e['type'] == 'chardev':
            info.devmajor, info.devminor = 1, 3
        t.addfile(info, data)
`;

export function craftTar(path: string, entries: CraftedEntry[]): void {
  execFileSync('python3', ['-c', SCRIPT, path, JSON.stringify(entries)]);
}
