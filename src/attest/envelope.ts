// The DSSE envelope around an in-toto Statement, signed over PAE (not over the JSON) so no canonical form is needed.
import { pae } from './pae.js';
import type { Signer } from './signer.js';
import type { Statement } from './statement.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseSignature {
  keyid: string;
  /** base64 of the DER ECDSA signature. */
  sig: string;
}

export interface DsseEnvelope {
  payloadType: string;
  /** base64 of the serialised payload. */
  payload: string;
  signatures: DsseSignature[];
}

export function signEnvelope(statement: Statement, signer: Signer): DsseEnvelope {
  const payload = Buffer.from(JSON.stringify(statement), 'utf8');
  const sig = signer.sign(pae(IN_TOTO_PAYLOAD_TYPE, payload));
  return {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [{ keyid: signer.keyid, sig: sig.toString('base64') }],
  };
}
