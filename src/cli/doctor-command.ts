// `contractor doctor`: which drivers work on this host, and for each that does not, why and what to install.
import type { Command } from 'commander';
import { driverByName } from '../manager/drivers.js';
import { DRIVER_NAMES } from '../spec/types.js';
import type { DriverProbe } from '../worker/driver.js';
import { HOST_ROOTS, type HostRoots } from '../worker/namespace/userns-restriction.js';

async function probe(name: (typeof DRIVER_NAMES)[number], roots: HostRoots): Promise<DriverProbe> {
  try {
    return await (await driverByName(name, roots)).probe();
  } catch (err) {
    return { driver: name, ok: false, detail: (err as Error).message };
  }
}

export function addDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('tell which worker drivers work on this host, and what to install for the others')
    .option('--json', 'print the probes as JSON')
    .option(
      '--sysctl-root <dir>',
      'read the user-namespace sysctls under DIR, not /proc/sys (to check settings stood in)',
    )
    .option('--apparmor-dir <dir>', 'look for the AppArmor profiles in DIR, not /etc/apparmor.d')
    .action(async (o: { json?: boolean; sysctlRoot?: string; apparmorDir?: string }) => {
      const roots = {
        sysctl: o.sysctlRoot ?? HOST_ROOTS.sysctl,
        apparmor: o.apparmorDir ?? HOST_ROOTS.apparmor,
      };
      const probes: DriverProbe[] = [];
      for (const name of DRIVER_NAMES) probes.push(await probe(name, roots));
      if (o.json) process.stdout.write(JSON.stringify(probes, null, 2) + '\n');
      else
        for (const p of probes)
          process.stdout.write(`${p.ok ? 'ok  ' : 'no  '} ${p.driver.padEnd(10)} ${p.detail}\n`);
      if (!probes.some((p) => p.ok)) process.exitCode = 5;
    });
}
