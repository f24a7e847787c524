// Each phase of the gvisor and vm tiers enters the namespace driver's seccomp filter before its shell.
//
// runsc applies an OCI seccomp profile to the container's first process only, never to `runsc exec`,
// and a guest has no bubblewrap; so a phase loads the filter itself: python3 (the toolchain's, read-only)
// sets no_new_privs, loads the BPF program and execs the shell. It fails closed: no filter, no build.
import { seccompProgram } from './namespace/seccomp.js';

export { seccompProgram };

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
