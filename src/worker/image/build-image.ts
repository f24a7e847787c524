// `contractor image build`: a worker image made rootless with mmdebstrap, then mkfs.ext4 -d.
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { ContractorError } from '../../errors.js';
import { hostAptSource } from './apt-source.js';
import { BUILD_UID, ENGINE_HOME, ENGINE_UID } from './engine-user.js';
import { imagePaths } from './image-paths.js';
import { guestKernel } from './kernel.js';
import { CONTAINERS_IMAGE_VERSION, IMAGE_FORMAT, type ImageManifest } from './manifest.js';
import { imageBuildProblem } from './subordinate-ids.js';
import { makeExt4From, removeTree, treeBytes } from './tree-owner.js';
import { toolEnv } from '../tool-path.js';

const run = promisify(execFile);
export const DEFAULT_PACKAGES = ['build-essential', 'git', 'curl', 'python3'];
/** What applying a playbook inside the image needs; Debian's ansible-core runs it in the chroot. */
const ANSIBLE_PACKAGES = ['ansible-core', 'python3-apt'];
/**
 * A containers image's engine (docs/containers.md): rootless Podman with crun, the setuid id
 * mappers, and slirp4netns. Storage is vfs (no fuse-overlayfs: the build's /dev has no fuse).
 * Node and the docker CLI are the host's own binaries, copied in: Debian's nodejs is 240 MB
 * installed with libnode (Debian 12's an older major than the bundle's target), and docker.io
 * brings dockerd. A host whose node is Debian's own (Debian 13) cannot lend it: see nodeStandsAlone.
 */
export const CONTAINER_PACKAGES = ['podman', 'crun', 'uidmap', 'slirp4netns', 'libstdc++6'];

export interface ImageBuildRequest {
  name: string;
  /** A Debian release by codename (bookworm, trixie), from the host's mirror; the host's own by default. */
  suite?: string;
  packages?: string[];
  /** The spec's `ansible` plays, applied inside the image with a local connection. */
  ansible?: unknown[];
  /** Adds the container engine, node and the docker CLI (docs/containers.md). */
  containers?: boolean;
  log?: (line: string) => void;
}

function mmdebstrap(args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    // NoRoot: its hooks run chroot, which a user's PATH does not reach.
    const child = spawn('mmdebstrap', args, { stdio: ['ignore', 'pipe', 'pipe'], env: toolEnv() });
    let tail = '';
    const keep = (c: Buffer): void => {
      tail = (tail + c.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) =>
      reject(new Error(`mmdebstrap is missing: apt-get install mmdebstrap (${e.message})`)),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve();
      log(tail);
      reject(
        new Error(
          `mmdebstrap failed (exit ${code}): ${tail.trim().split('\n').slice(-3).join(' | ')}`,
        ),
      );
    });
  });
}

/** The guest agent mounts the workspace disk on /workspace and runs builds as uid 1000 `worker`. */
function hooks(playbook?: string, docker?: string, hostNode = true): string[] {
  const h = [
    'mkdir -p "$1/workspace" "$1/run" "$1/var/tmp"',
    'chroot "$1" useradd -u 1000 -U -M -d /tmp -s /bin/sh worker',
  ];
  if (docker) h.push(...containerHooks(docker, hostNode));
  if (playbook) {
    h.push(`copy-in ${playbook} /root`);
    // The plays come from a spec, and a spec from a commit: they run in a sandbox whose root is
    // the image, never in a chroot, which leaves the host a /proc/PID/root away. Root in
    // mmdebstrap's user namespace keeps its capabilities there (dpkg needs them to own files) and
    // the network (apt needs it). The seed's plays say become/remote_user for a remote host; here
    // we already are root.
    // unshare first: bwrap reads /proc/self, and the /proc mmdebstrap's hooks see is not ours.
    // Then every descriptor past stdio is closed: the hook holds mmdebstrap's hook socket
    // (MMDEBSTRAP_HOOKSOCK), whose copy-out and download commands write outside the image.
    const sandbox = [
      'bwrap --bind "$1" / --proc /proc --dev /dev --tmpfs /tmp',
      '--unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup-try',
      '--die-with-parent --new-session --cap-add ALL --chdir /',
      '--setenv ANSIBLE_NOCOLOR 1',
      'ansible-playbook -i worker, -c local -e ansible_become=false /root/playbook.yml',
    ].join(' ');
    const closeFds =
      'for fd in /proc/self/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && exec {fd}>&-; done';
    h.push(`unshare --pid --fork --mount-proc bash -c '${closeFds}; exec ${sandbox}' bash "$1"`);
    h.push('rm -f "$1/root/playbook.yml"');
  }
  // ConstrainNetworkAccess: no resolver inside the worker.
  h.push('rm -f "$1/etc/resolv.conf" && : > "$1/etc/resolv.conf"');
  // FilesystemIsolation: like the other tiers, the build sees no /home, /root or /run at all.
  h.push('rm -rf "$1/home" "$1/root" "$1/run" "$1/var/run"');
  return h.flatMap((x) => ['--customize-hook', x]);
}

/**
 * The engine's user and its only subordinate ids; the host's docker CLI (trusted) copied in, and
 * the host's node too when it stands alone (else the image's own nodejs, linked where it is run).
 */
function containerHooks(docker: string, hostNode: boolean): string[] {
  // A container's root (the engine's first subordinate id, under userns nomap) is the build's own
  // uid, 1000: it writes a bound workspace as the build would, and can do nothing the build cannot.
  // Its other ids are 200000 and up, which nothing else in the guest holds.
  const engine = `contractor-engine:${BUILD_UID}:1\\ncontractor-engine:${ENGINE_UID * 100}:65535`;
  return [
    `chroot "$1" useradd -u ${ENGINE_UID} -U -M -d ${ENGINE_HOME}/home -s /usr/sbin/nologin contractor-engine`,
    // Only the engine maps ids: worker (1000) has no range, so no build reaches a container's ids.
    `printf '${engine}\\n' > "$1/etc/subuid" && printf '${engine}\\n' > "$1/etc/subgid"`,
    `mkdir -p "$1${ENGINE_HOME}"`,
    hostNode
      ? `cp ${process.execPath} "$1/usr/local/bin/node"`
      : `ln -sf /usr/bin/node "$1/usr/local/bin/node"`,
    `cp ${docker} "$1/usr/local/bin/docker"`,
  ];
}

/**
 * Whether the node running us can be copied into an image alone. An official build stands alone;
 * Debian's own nodejs is a launcher for libnode.so and a dozen libraries the image lacks, so the
 * filter there runs on the image suite's nodejs package instead.
 */
async function nodeStandsAlone(): Promise<boolean> {
  const { stdout } = await run('ldd', [process.execPath]).catch(() => ({ stdout: '' }));
  return !/\blibnode\.so/.test(stdout);
}

async function dockerCli(): Promise<string> {
  const { stdout } = await run('sh', ['-c', 'command -v docker']).catch(() => ({ stdout: '' }));
  const path = stdout.trim();
  if (!path.startsWith('/'))
    throw new Error('a containers image needs a docker CLI on the host: put one on PATH');
  return path;
}

/** A codename goes into mmdebstrap's arguments and a URL path: letters only. */
function debianSuite(suite: string): string {
  if (!/^[a-z]{2,20}$/.test(suite))
    throw new ContractorError(
      'USAGE',
      `--suite ${JSON.stringify(suite)} is not a Debian codename such as bookworm or trixie`,
    );
  return suite;
}

export async function buildImage(req: ImageBuildRequest): Promise<ImageManifest> {
  const log = req.log ?? (() => undefined);
  const t0 = Date.now();
  const paths = imagePaths(req.name);
  const suite = req.suite === undefined ? undefined : debianSuite(req.suite);
  // NoRoot: said before mmdebstrap's own 'cannot find newuidmap' (exit 25), with what to do.
  const problem = await imageBuildProblem();
  if (problem) throw new ContractorError('INFRASTRUCTURE', problem);
  const kernel = await guestKernel(log);
  const host = await hostAptSource();
  const source = suite ? { ...host, suite } : host;
  const work = await mkdtemp(join(tmpdir(), 'contractor-image-'));
  // NoRoot: mmdebstrap's unshared root, which is not our uid, must reach its target by name.
  await chmod(work, 0o711);
  const root = join(work, 'root');
  try {
    const hostNode = req.containers ? await nodeStandsAlone() : true;
    const packages = [
      ...(req.packages ?? DEFAULT_PACKAGES),
      ...(req.ansible?.length ? ANSIBLE_PACKAGES : []),
      ...(req.containers ? CONTAINER_PACKAGES : []),
      ...(hostNode ? [] : ['nodejs']),
    ];
    let playbook: string | undefined;
    if (req.ansible?.length) {
      playbook = join(work, 'playbook.yml');
      await writeFile(playbook, stringify(req.ansible));
    }
    log(`mmdebstrap ${source.suite} from ${source.mirror}: ${packages.join(', ')}`);
    await mmdebstrap(
      [
        '--mode=unshare',
        '--variant=minbase',
        `--include=${packages.join(',')}`,
        ...hooks(playbook, req.containers ? await dockerCli() : undefined, hostNode),
        source.suite,
        root,
        source.mirror,
      ],
      log,
    );
    const used = await treeBytes(root);
    const bytes = Math.ceil((used * 1.25 + 128 * 1024 ** 2) / 4096) * 4096;
    await mkdir(paths.dir, { recursive: true });
    const tmpImage = paths.rootfs + '.new';
    log(`mkfs.ext4 -d: ${(bytes / 1024 ** 2).toFixed(0)} MiB`);
    await makeExt4From(root, tmpImage, bytes);
    await rename(tmpImage, paths.rootfs);
    const manifest: ImageManifest = {
      format: IMAGE_FORMAT,
      name: req.name,
      rootfs: paths.rootfs,
      kernelRelease: kernel.release,
      packages,
      ansible: Boolean(req.ansible?.length),
      ...(req.containers ? { containers: CONTAINERS_IMAGE_VERSION } : {}),
      suite: source.suite,
      builtAt: new Date().toISOString(),
      buildMs: Date.now() - t0,
      bytes: (await stat(paths.rootfs)).size,
    };
    await writeFile(paths.manifest, JSON.stringify(manifest, null, 2) + '\n');
    return manifest;
  } finally {
    await removeTree(root);
    await rm(work, { recursive: true, force: true });
  }
}
