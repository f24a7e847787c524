// `contractor verify ARTIFACT --attestation FILE --key PUB`: offline, with nothing trusted but the key.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { keyIdOf } from '../attest/key-id.js';
import { parsePublicKey } from '../attest/public-key.js';
import { TRUSTED_BUILDER_ID } from '../attest/source-origin.js';
import { verifyArtifact } from '../attest/verify-artifact.js';
import { ContractorError } from '../errors.js';

interface VerifyFlags {
  attestation: string;
  key: string;
  json?: boolean;
  repo?: string;
  ref?: string;
  commit?: string;
  tree?: string;
  builder?: string;
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
      'check offline that ARTIFACT is named, by sha256, in an attestation signed by the holder of the public key (and, if asked, that it names the repository, ref, commit, tree and builder); exits 1 naming the check that failed',
    )
    .argument('<artifact>', 'the file to check')
    .requiredOption(
      '--attestation <file>',
      'attestation.intoto.jsonl (DSSE envelope) or attestation.sigstore.json (Sigstore bundle)',
    )
    .requiredOption('--key <pem>', "the signer's public key, as `contractor keys public` prints it")
    .option('--repo <url>', 'require the repository the provenance names (git+ and .git aside)')
    .option('--ref <ref>', 'require the ref built: refs/heads/main, or main for a branch or tag')
    .option('--commit <sha>', 'require the full commit id asked for')
    .option(
      '--tree <id>',
      "require the git tree the builder had, e.g. git rev-parse SHA^{tree}: a manager's is computed from the source it received",
    )
    .option(
      '--builder <id>',
      `require the builder id, e.g. ${TRUSTED_BUILDER_ID} to refuse builds of untrusted sources`,
    )
    .option('--json', 'print what was verified as JSON')
    .action(async (artifact: string, o: VerifyFlags) => {
      const publicKeyPem = await readPublicKeyFile(o.key);
      const v = await verifyArtifact({
        artifactPath: artifact,
        attestationPath: o.attestation,
        publicKeyPem,
        expected: {
          ...(o.repo !== undefined ? { repository: o.repo } : {}),
          ...(o.ref !== undefined ? { ref: o.ref } : {}),
          ...(o.commit !== undefined ? { commit: o.commit } : {}),
          ...(o.tree !== undefined ? { tree: o.tree } : {}),
          ...(o.builder !== undefined ? { builder: o.builder } : {}),
        },
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
