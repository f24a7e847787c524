// Each phase of the gvisor and vm tiers enters the namespace driver's seccomp filter before its shell.
//
// runsc applies an OCI seccomp profile to the container's first process only, never to `runsc exec`,
// and a guest has no bubblewrap; so a phase loads the filter itself: python3 on gvisor, perl in the
// guest (each the toolchain's, read-only) sets no_new_privs, loads the BPF program and execs the
// shell. It fails closed: no filter, no build.
import { seccompProgram } from './namespace/seccomp.js';

export { seccompProgram };

/**
 * The same in Perl, for the vm tier: perl-base is in every Debian root (minbase's required set), and
 * it starts without an import system or ctypes. Under TCG the Python loader was most of the time
 * from a phase's start to its first command (1.3-2 s at load 5; perl: see bench/vm-boot.ts).
 * `pack 'P'` is a pointer to $prog's own buffer, which lives until the exec. 157 is prctl on x86_64,
 * the only guest the vm tier boots (qemu-system-x86_64), and the filter refuses other arches anyway.
 */
export const SECCOMP_LOADER_PERL = `open(my $f, '<:raw', $ARGV[0]) or die "contractor: cannot read the seccomp filter: $!\\n";
my $prog = do { local $/; <$f> };
my $fprog = pack('S x6 P', length($prog) / 8, $prog);
syscall(157, 38, 1, 0, 0, 0) == 0 && syscall(157, 22, 2, $fprog, 0, 0) == 0
  or die "contractor: cannot load the seccomp filter: $!\\n";
exec { $ARGV[1] } @ARGV[1 .. $#ARGV] or die "contractor: cannot run $ARGV[1]: $!\\n";
`;

export const SECCOMP_LOADER = `import ctypes, os, sys
prog = open(sys.argv[1], 'rb').read()
class Fprog(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]
buf = ctypes.create_string_buffer(prog, len(prog))
f = Fprog(len(prog) // 8, ctypes.addressof(buf))
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(f), 0, 0) != 0:
    sys.exit('contractor: cannot load the seccomp filter (errno %d)' % ctypes.get_errno())
os.execv(sys.argv[2], sys.argv[2:])
`;
