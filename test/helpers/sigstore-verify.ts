// An implementation not written here checks our bundles: @sigstore/verify, offline, trusting
// only the one key the bundle's hint names (no Fulcio, Rekor or TSA).
import { createPublicKey } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { Verifier, toSignedEntity, type TrustMaterial } from '@sigstore/verify';

function trustingOnly(keyid: string, publicKeyPem: string): TrustMaterial {
  return {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: (hint) => {
      if (hint !== keyid) throw new Error(`unknown key hint ${hint}`);
      return { publicKey: createPublicKey(publicKeyPem), validFor: () => true };
    },
  };
}

/** Throws unless the bundle's DSSE signature verifies with the key. */
export function sigstoreVerify(bundleJson: unknown, keyid: string, publicKeyPem: string): void {
  const verifier = new Verifier(trustingOnly(keyid, publicKeyPem), {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    tsaThreshold: 0,
  });
  verifier.verify(toSignedEntity(bundleFromJSON(bundleJson)));
}
