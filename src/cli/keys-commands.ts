// `contractor keys init` and `contractor keys public`: the signing key pairs in $CONTRACTOR_HOME/keys.
import type { Command } from 'commander';
import { initKeys } from '../attest/init-keys.js';
import { contractorHome } from '../attest/key-paths.js';
import { readPublicKeyPem } from '../attest/public-key.js';

export function addKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description(
      'the key pairs that sign attestations (in $CONTRACTOR_HOME/keys): one for trusted sources, one for untrusted ones (a fork pull request)',
    );
  keys
    .command('init')
    .description(
      'create the signing key pairs (trusted and untrusted): ECDSA P-256, the private keys PKCS#8 PEM (mode 0600), the public keys SPKI PEM; a pair already there is kept',
    )
    .option(
      '--force',
      'replace existing pairs (attestations signed with the old keys stop verifying)',
    )
    .action(async (o: { force?: boolean }) => {
      const made = await initKeys(contractorHome(), { force: o.force });
      const lines = [];
      if (made.made.includes('trusted'))
        lines.push(`signing key ${made.privatePath}`, `public key ${made.publicPath}`);
      if (made.made.includes('untrusted'))
        lines.push(
          `untrusted signing key ${made.untrusted.privatePath}`,
          `untrusted public key ${made.untrusted.publicPath}`,
        );
      process.stdout.write(lines.join('\n') + '\n');
    });
  keys
    .command('public')
    .description('print the public key (PEM), for whoever verifies with `contractor verify --key`')
    .option(
      '--untrusted',
      "print the untrusted pair's key, which signs builds of fork pull requests",
    )
    .action(async (o: { untrusted?: boolean }) => {
      process.stdout.write(
        await readPublicKeyPem(contractorHome(), o.untrusted ? 'untrusted' : 'trusted'),
      );
    });
}
