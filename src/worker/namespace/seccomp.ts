// The build's seccomp filter, as a classic BPF program bwrap loads from a file descriptor.

const AUDIT_ARCH_X86_64 = 0xc000003e;
/** x32 syscalls share the x86_64 arch tag but set this bit in the number. */
const X32_SYSCALL_BIT = 0x40000000;

const RET_KILL_PROCESS = 0x80000000;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;
const EAFNOSUPPORT = 97;

// BPF opcodes: BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_JMP|BPF_JGE|BPF_K, BPF_JMP|BPF_JSET|BPF_K, BPF_RET|BPF_K.
const LD_ABS = 0x20;
const JEQ = 0x15;
const JGE = 0x35;
const JSET = 0x45;
const RET = 0x06;

// Offsets into struct seccomp_data; arguments are 64-bit, little-endian, so the low word comes first.
const NR = 0;
const ARCH = 4;
const argLow = (i: number): number => 16 + 8 * i;

/**
 * HostProtection: calls that reach kernel surfaces a build has no business with. io_uring was
 * behind 60% of the kernel exploits sent to Google's bug bounty in 2022; EPERM is what a kernel
 * with io_uring disabled answers, so libuv and liburing fall back to their other paths.
 */
export const DENIED_SYSCALLS: Record<string, number> = {
  uselib: 134,
  modify_ldt: 154,
  ioperm: 173,
  iopl: 172,
  ptrace: 101,
  syslog: 103,
  pivot_root: 155,
  chroot: 161,
  acct: 163,
  mount: 165,
  umount2: 166,
  swapon: 167,
  swapoff: 168,
  reboot: 169,
  init_module: 175,
  delete_module: 176,
  kexec_load: 246,
  add_key: 248,
  request_key: 249,
  keyctl: 250,
  unshare: 272,
  perf_event_open: 298,
  open_by_handle_at: 304,
  setns: 308,
  process_vm_readv: 310,
  process_vm_writev: 311,
  finit_module: 313,
  kexec_file_load: 320,
  bpf: 321,
  userfaultfd: 323,
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  pidfd_getfd: 438,
  mount_setattr: 442,
};

const SYS_IOCTL = 16;
const SYS_CLONE = 56;
const SYS_CLONE3 = 435;
const SYS_MEMFD_CREATE = 319;
/** shmget, semget, msgget: the only ways to make a System V IPC object (the job's namespace starts empty). */
const SYSV_IPC_GET = [29, 64, 68];
/** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: clone may not make namespaces. */
const CLONE_NEW_MASK = 0x7e020000;
const SYS_SOCKET = 41;
const SYS_SOCKETPAIR = 53;
/**
 * AF_UNIX, AF_INET, AF_INET6, and AF_NETLINK for getaddrinfo's and getifaddrs' interface lookups.
 * HostProtection, ConstrainNetworkAccess: AF_VSOCK ignores network namespaces (it reaches the host's,
 * or a hypervisor's, vsock ports past the proxy and the trap), and the rest are kernel surface.
 */
export const ALLOWED_SOCKET_FAMILIES = [1, 2, 10, 16];
/** TIOCSTI pushes keystrokes into a terminal; TIOCLINUX reaches the console. */
const DENIED_IOCTLS = [0x5412, 0x541c];

type Insn = [code: number, jt: number, jf: number, k: number];

const stmt = (code: number, k: number): Insn => [code, 0, 0, k];
const errno = (e: number): number => RET_ERRNO | e;

export interface FilterOptions {
  /**
   * False where no memory cgroup counts the build: a memfd's pages then belong to no limit, while
   * ENOSYS sends shared memory to /dev/shm, which is on the job's capped disk.
   */
  memfd?: boolean;
  /**
   * False where the job's System V IPC could not be sized and no memory cgroup counts it: ENOSYS,
   * as from a kernel built without it, leaves no way to make a segment, queue or semaphore set.
   */
  sysvIpc?: boolean;
}

/** EAFNOSUPPORT, as from a kernel built without the family, so programs that probe for one move on. */
function familyCheck(nr: number): Insn[] {
  const n = ALLOWED_SOCKET_FAMILIES.length;
  return [
    [JEQ, 0, n + 3, nr],
    stmt(LD_ABS, argLow(0)),
    ...ALLOWED_SOCKET_FAMILIES.map((family, i): Insn => [JEQ, n - i, 0, family]),
    stmt(RET, errno(EAFNOSUPPORT)),
    stmt(RET, RET_ALLOW),
  ];
}

function program({ memfd = true, sysvIpc = true }: FilterOptions): Insn[] {
  const p: Insn[] = [
    stmt(LD_ABS, ARCH),
    [JEQ, 1, 0, AUDIT_ARCH_X86_64],
    stmt(RET, RET_KILL_PROCESS),
    stmt(LD_ABS, NR),
    [JGE, 0, 1, X32_SYSCALL_BIT],
    stmt(RET, RET_KILL_PROCESS),
  ];
  for (const nr of Object.values(DENIED_SYSCALLS)) p.push([JEQ, 0, 1, nr], stmt(RET, errno(EPERM)));
  // clone3 passes its flags in memory the filter cannot read: ENOSYS makes libc fall back to clone.
  p.push([JEQ, 0, 1, SYS_CLONE3], stmt(RET, errno(ENOSYS)));
  if (!memfd) p.push([JEQ, 0, 1, SYS_MEMFD_CREATE], stmt(RET, errno(ENOSYS)));
  if (!sysvIpc) for (const nr of SYSV_IPC_GET) p.push([JEQ, 0, 1, nr], stmt(RET, errno(ENOSYS)));
  for (const nr of [SYS_SOCKET, SYS_SOCKETPAIR]) p.push(...familyCheck(nr));
  p.push(
    [JEQ, 0, 4, SYS_CLONE],
    stmt(LD_ABS, argLow(0)),
    [JSET, 0, 1, CLONE_NEW_MASK],
    stmt(RET, errno(EPERM)),
    stmt(RET, RET_ALLOW),
  );
  p.push([JEQ, 0, DENIED_IOCTLS.length * 2 + 2, SYS_IOCTL], stmt(LD_ABS, argLow(1)));
  for (const cmd of DENIED_IOCTLS) p.push([JEQ, 0, 1, cmd], stmt(RET, errno(EPERM)));
  p.push(stmt(RET, RET_ALLOW));
  p.push(stmt(RET, RET_ALLOW));
  return p;
}

/** The filter as struct sock_filter[] bytes, ready for `bwrap --seccomp FD`. */
export function seccompProgram(options: FilterOptions = {}): Buffer {
  const insns = program(options);
  const out = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    out.writeUInt16LE(code, i * 8);
    out.writeUInt8(jt, i * 8 + 2);
    out.writeUInt8(jf, i * 8 + 3);
    out.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return out;
}
