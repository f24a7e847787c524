// The guest kernel: Debian's linux-image package, fetched with apt-get download and never installed.
import { execFile } from 'node:child_process';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kernelDir } from './image-paths.js';

const run = promisify(execFile);

/** What the initramfs must load before it can see its disks, consoles and network (all =m in Debian). */
export const GUEST_MODULES = [
  'virtio_mmio',
  'virtio_blk',
  'virtio_console',
  'virtio_net',
  'ext4',
  'crc32c_generic',
  // /dev/net/tun for slirp4netns, a container's network when the spec asks for containers.
  'tun',
];

export interface GuestKernel {
  /** e.g. 6.1.0-56-amd64 */
  release: string;
  vmlinuz: string;
  /** Modules in load order, dependencies first. */
  modules: string[];
  modulesDir: string;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/** linux-image-amd64 is a metapackage: its dependency names the real, versioned kernel package. */
async function kernelPackage(): Promise<string> {
  const { stdout } = await run('apt-cache', ['depends', 'linux-image-amd64']);
  const pkg = /Depends: (linux-image-[0-9][^\s]*-amd64)\b/.exec(stdout)?.[1];
  if (!pkg) throw new Error('apt-cache knows no linux-image-amd64: run apt-get update');
  return pkg;
}

/** A module's dependencies, from the `depends=` string in its .modinfo section. */
function moduleDepends(ko: Buffer): string[] {
  const at = ko.indexOf('\0depends=');
  if (at < 0) return [];
  const end = ko.indexOf(0, at + 1);
  return ko
    .subarray(at + 9, end)
    .toString()
    .split(',')
    .filter(Boolean);
}

/** A module file as Debian ships it: plain (Debian 12) or xz-compressed (Debian 13). */
const MODULE_FILE = /^(.+)\.ko(\.xz|\.zst)?$/;

async function findModules(root: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const m = MODULE_FILE.exec(e.name);
      if (e.isDirectory()) await walk(join(dir, e.name));
      else if (m) found.set((m[1] as string).replace(/-/g, '_'), join(dir, e.name));
    }
  };
  await walk(root);
  return found;
}

/** The module's ELF bytes, decompressed: the guest's busybox insmod loads only plain modules. */
async function moduleBytes(path: string): Promise<Buffer> {
  const tool = path.endsWith('.xz') ? 'xz' : path.endsWith('.zst') ? 'zstd' : undefined;
  if (!tool) return readFile(path);
  const { stdout } = await run(tool, ['-dc', path], { encoding: 'buffer', maxBuffer: 1 << 28 });
  return stdout;
}

/** Modules built into the kernel, from the package's modules.builtin: nothing to load for them. */
async function builtinModules(root: string): Promise<Set<string>> {
  const text = await readFile(join(root, 'modules.builtin'), 'utf8').catch(() => '');
  return new Set(
    text
      .split('\n')
      .map((l) => MODULE_FILE.exec(l.split('/').pop() ?? '')?.[1]?.replace(/-/g, '_'))
      .filter((n): n is string => Boolean(n)),
  );
}

/** The modules to load, dependencies first, each with its plain bytes (decompressed once). */
async function loadOrder(
  all: Map<string, string>,
  builtin: Set<string>,
  wanted: string[],
): Promise<Map<string, Buffer>> {
  const order = new Map<string, Buffer>();
  const visit = async (name: string): Promise<void> => {
    if (order.has(name)) return;
    const path = all.get(name);
    if (!path) {
      if (builtin.has(name)) return;
      throw new Error(`the kernel package has no module ${name}`);
    }
    const bytes = await moduleBytes(path);
    for (const dep of moduleDepends(bytes)) await visit(dep.replace(/-/g, '_'));
    order.set(name, bytes);
  };
  for (const w of wanted) await visit(w);
  return order;
}

/** Fetches (once) and returns the guest kernel, cached under $CONTRACTOR_HOME/images/kernel/. */
export async function guestKernel(
  log: (line: string) => void = () => undefined,
): Promise<GuestKernel> {
  const base = kernelDir();
  const pkg = await kernelPackage();
  const release = pkg.replace(/^linux-image-/, '');
  const dir = join(base, release);
  const manifest = join(dir, 'modules.order');
  // A kernel fetched for another list of wanted modules (one joined since) is fetched again.
  const wanted = join(dir, 'modules.wanted');
  const asked = GUEST_MODULES.join('\n') + '\n';
  if ((await exists(manifest)) && (await readFile(wanted, 'utf8').catch(() => '')) === asked) {
    const modules = (await readFile(manifest, 'utf8')).split('\n').filter(Boolean);
    return { release, vmlinuz: join(dir, 'vmlinuz'), modules, modulesDir: join(dir, 'modules') };
  }
  log(`fetching the guest kernel ${pkg}`);
  const tmp = await mkdtemp(join(tmpdir(), 'contractor-kernel-'));
  try {
    await run('apt-get', ['download', '-q', pkg], { cwd: tmp });
    const deb = (await readdir(tmp)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg} produced no package`);
    await run('dpkg-deb', ['-x', join(tmp, deb), join(tmp, 'x')]);
    // Debian 13's kernel packages ship their modules under /usr/lib (merged /usr), 12's under /lib.
    const candidates = ['x/usr/lib/modules', 'x/lib/modules'].map((d) => join(tmp, d, release));
    const found = await Promise.all(candidates.map(exists));
    const modulesRoot = candidates[found.indexOf(true)];
    if (!modulesRoot) throw new Error(`${deb} holds no modules for ${release} in /lib or /usr/lib`);
    const all = await findModules(modulesRoot);
    const loaded = await loadOrder(all, await builtinModules(modulesRoot), GUEST_MODULES);
    const modules = [...loaded.keys()];
    await mkdir(join(dir, 'modules'), { recursive: true });
    await copyFile(join(tmp, 'x/boot', `vmlinuz-${release}`), join(dir, 'vmlinuz'));
    // Renamed into place: a guest being started beside this reads whole files, old or new.
    const put = async (path: string, data: string | Buffer): Promise<void> => {
      await writeFile(`${path}.${process.pid}`, data);
      await rename(`${path}.${process.pid}`, path);
    };
    for (const [m, bytes] of loaded) await put(join(dir, 'modules', `${m}.ko`), bytes);
    await put(manifest, modules.join('\n') + '\n');
    await put(wanted, asked);
    return { release, vmlinuz: join(dir, 'vmlinuz'), modules, modulesDir: join(dir, 'modules') };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
