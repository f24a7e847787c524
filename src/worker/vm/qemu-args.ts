// The QEMU command line for one job: a microvm, its disks, its ports, and a network that reaches only the proxy.
import { dirname } from 'node:path';
import type { PhaseName } from '../../net/violation.js';
import { CAPTURE_SNAPLEN } from './pcap-stream.js';
import { CONTROL_PORT, GUEST_PROXY, outputPort } from './guest-init.js';

export interface VmFiles {
  vmlinuz: string;
  initrd: string;
  rootfs: string;
  job: string;
  input: string;
  scratch: string;
  output: string;
  pcap: string;
  /** Unix sockets the host listens on; QEMU connects to each as a client. */
  sockets: Record<string, string>;
  proxySocket: string;
}

/** VmSnapshot: every boot has a port for every phase, so one saved guest's devices fit any job. */
export const ALL_PHASES: readonly PhaseName[] = ['setup', 'build'];

export interface VmShape {
  kvm: boolean;
  memoryMiB: number;
  cpus: number;
  /** The host's TSC rate: TCG's guest TSC runs at it, and a busy host makes the PIT calibration fail. */
  tscKhz?: number;
}

function disk(id: string, path: string, readonly: boolean): string[] {
  const ro = readonly ? ',readonly=on' : '';
  return [
    '-drive',
    `file=${path},format=raw,if=none,id=${id},cache=unsafe,discard=ignore${ro}`,
    '-device',
    `virtio-blk-device,drive=${id},serial=${id}`,
  ];
}

function port(id: string, name: string, path: string): string[] {
  return [
    '-chardev',
    `socket,id=${id},path=${path}`,
    '-device',
    `virtserialport,chardev=${id},name=${name}`,
  ];
}

function kernelCmdline(shape: VmShape): string {
  const quiet = process.env.CONTRACTOR_VM_CONSOLE ? ['contractor.debug'] : ['quiet', 'loglevel=3'];
  const tsc = shape.tscKhz ? [`tsc_early_khz=${shape.tscKhz}`, 'tsc=reliable'] : [];
  return ['console=ttyS0', ...quiet, ...tsc, 'panic=-1', 'oops=panic'].join(' ');
}

/** How QEMU starts the guest: booted, or waiting for a saved state; a monitor socket to drive it. */
export interface VmStart {
  /** `-incoming defer`: the state is loaded over the monitor, which must then be given. */
  incoming?: boolean;
  qmp?: string;
  /**
   * VmSnapshot: guest RAM as a file mapping. Shared while a guest is saved (its RAM lands in the
   * file); private when one is restored (copy on write: the saved file is never changed).
   */
  ram?: { path: string; shared: boolean };
}

/** QEMU's option syntax: a comma inside a value is written twice. */
function optionValue(v: string): string {
  return v.replace(/,/g, ',,');
}

/** Connections to the proxy one guest may hold open at once: each is a socat process on the host. */
export const PROXY_CONNECTIONS = 64;

/**
 * HostProtection: QEMU's guestfwd starts one socat per connection, outside every limit of the job.
 * Each takes one of PROXY_CONNECTIONS lock slots (held by the socat it becomes, released as it
 * exits); with none free the connection is closed at once. No commas: QEMU's option syntax.
 */
function proxyCommand(proxySocket: string): string {
  const dir = dirname(proxySocket);
  const slots = `for i in $(seq ${PROXY_CONNECTIONS}); do exec 9>${dir}/proxy-slot-$i; flock -n 9 && exec socat STDIO UNIX-CONNECT:${proxySocket}; done`;
  return `sh -c '${slots}'`;
}

export function qemuArgs(f: VmFiles, shape: VmShape, start: VmStart = {}): string[] {
  const [proxyHost, proxyPort] = GUEST_PROXY.split(':');
  // Multi-threaded TCG hangs a vCPU in the kernel's int3 text patching (seen as RCU stalls here).
  const accel = shape.kvm ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=single'];
  const outputs = ALL_PHASES.flatMap((p) =>
    (['stdout', 'stderr'] as const).flatMap((s) => {
      const name = outputPort(p, s);
      return port(name.replace(/\./g, '-'), name, f.sockets[name] as string);
    }),
  );
  const ram = start.ram
    ? [
        '-object',
        `memory-backend-file,id=ram0,size=${shape.memoryMiB}M,mem-path=${optionValue(start.ram.path)},share=${start.ram.shared ? 'on' : 'off'}`,
      ]
    : [];
  return [
    '-M',
    start.ram ? 'microvm,pit=on,memory-backend=ram0' : 'microvm,pit=on',
    ...ram,
    ...accel,
    '-m',
    String(shape.memoryMiB),
    '-smp',
    String(shape.cpus),
    '-nodefaults',
    '-no-user-config',
    '-nographic',
    '-no-reboot',
    '-kernel',
    f.vmlinuz,
    '-initrd',
    f.initrd,
    '-append',
    kernelCmdline(shape),
    '-chardev',
    `socket,id=console,path=${f.sockets.console}`,
    '-serial',
    'chardev:console',
    // HostProtection: the root image is read-only; only throwaway disks are writable.
    ...disk('root', f.rootfs, true),
    ...disk('job', f.job, true),
    ...disk('input', f.input, true),
    ...disk('scratch', f.scratch, false),
    ...disk('output', f.output, false),
    '-device',
    'virtio-serial-device,max_ports=8',
    ...port('ctl', CONTROL_PORT, f.sockets[CONTROL_PORT] as string),
    ...outputs,
    // ConstrainNetworkAccess: restrict=on sends nothing out; the one forward leads to the job's proxy.
    // ipv6=off: libslirp 4.7 checks an IPv6 packet against restrict=on by reading bytes 4-7 of its
    // source as the IPv4 destination, so a build that picks its source address reaches any host.
    '-netdev',
    `user,id=net0,restrict=on,ipv6=off,guestfwd=tcp:${proxyHost}:${proxyPort}-cmd:${proxyCommand(f.proxySocket)}`,
    '-device',
    'virtio-net-device,netdev=net0',
    // Headers only: enough to name each attempt's destination, and a tenth of a full frame's bytes.
    '-object',
    `filter-dump,id=dump0,netdev=net0,queue=rx,file=${f.pcap},maxlen=${CAPTURE_SNAPLEN}`,
    ...(start.qmp ? ['-qmp', `unix:${start.qmp},server=on,wait=off`] : []),
    ...(start.incoming ? ['-incoming', 'defer'] : []),
  ];
}
