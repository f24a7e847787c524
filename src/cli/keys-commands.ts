// `contractor keys init` and `contractor keys public`: the signing key pair in $CONTRACTOR_HOME/keys.
import type { Command } from 'commander';
import { initKeys } from '../attest/init-keys.js';
import { contractorHome } from '../attest/key-paths.js';
import { readPublicKeyPem } from '../attest/public-key.js';

export function addKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('the key pair that signs attestations (in $CONTRACTOR_HOME/keys)');
  keys
    .command('init')
    .description(
      'create the signing key pair: ECDSA P-256, the private key PKCS#8 PEM (mode 0600), the public key SPKI PEM',
    )
    .option(
      '--force',
      'replace an existing pair (attestations signed with the old key stop verifying)',
    )
    .action(async (o: { force?: boolean }) => {
      const { privatePath, publicPath } = await initKeys(contractorHome(), { force: o.force });
      process.stdout.write(`signing key ${privatePath}\npublic key ${publicPath}\n`);
    });
  keys
    .command('public')
    .description('print the public key (PEM), for whoever verifies with `contractor verify --key`')
    .action(async () => {
      process.stdout.write(await readPublicKeyPem(contractorHome()));
    });
}
