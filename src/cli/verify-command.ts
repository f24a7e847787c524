// `contractor verify ARTIFACT --attestation FILE --key PUB`: offline, with nothing trusted but the key.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { keyIdOf } from '../attest/key-id.js';
import { parsePublicKey } from '../attest/public-key.js';
import { verifyArtifact } from '../attest/verify-artifact.js';
import { ContractorError } from '../errors.js';

interface VerifyFlags {
  attestation: string;
  key: string;
  json?: boolean;
}

async function readPublicKeyFile(path: string): Promise<string> {
  const pem = await readFile(path, 'utf8').catch((cause: NodeJS.ErrnoException) => {
    throw new ContractorError(
      'USAGE',
      `cannot read the public key ${path} (${cause.code ?? cause})`,
      {
        cause,
      },
    );
  });
  try {
    parsePublicKey(pem);
  } catch (cause) {
    throw new ContractorError('USAGE', `${path}: ${(cause as Error).message}`, { cause });
  }
  return pem;
}

export function addVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      'check offline that ARTIFACT is named, by sha256, in an attestation signed by the holder of the public key; exits 1 naming the check that failed',
    )
    .argument('<artifact>', 'the file to check')
    .requiredOption(
      '--attestation <file>',
      'attestation.intoto.jsonl (DSSE envelope) or attestation.sigstore.json (Sigstore bundle)',
    )
    .requiredOption('--key <pem>', "the signer's public key, as `contractor keys public` prints it")
    .option('--json', 'print what was verified as JSON')
    .action(async (artifact: string, o: VerifyFlags) => {
      const publicKeyPem = await readPublicKeyFile(o.key);
      const v = await verifyArtifact({
        artifactPath: artifact,
        attestationPath: o.attestation,
        publicKeyPem,
      }).catch((cause: unknown) => {
        if (cause instanceof ContractorError && cause.code === 'VERIFY')
          throw new ContractorError('VERIFY', `not verified: ${cause.message}`, { cause });
        throw cause;
      });
      const keyId = keyIdOf(publicKeyPem);
      if (o.json)
        process.stdout.write(
          JSON.stringify(
            {
              artifact,
              sha256: v.sha256,
              subject: v.subject.name,
              attestation: o.attestation,
              keyId,
            },
            null,
            2,
          ) + '\n',
        );
      else
        process.stdout.write(
          `verified: ${artifact} (sha256:${v.sha256}) is subject ${JSON.stringify(v.subject.name.slice(0, 200))} of ${o.attestation}, signed by key ${keyId}\n`,
        );
    });
}
