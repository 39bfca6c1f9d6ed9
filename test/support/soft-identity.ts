// A ClientIdentity for the TLS engine from a PEM certificate and a PEM private key file (the
// test bed's client certificates), signing through the engine's synchronous sign(algo, data)
// hook with the test-only software signer (electron/main/tls/testing/soft-signer.ts). Every
// signature the engine asks for is recorded in `log`.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ClientIdentity, SignAlgorithm } from '../../electron/main/tls/engine';
import { type SoftSignerLog, softwareSigner } from '../../electron/main/tls/testing/soft-signer';

export const RSA_SIGN_ALGOS: readonly SignAlgorithm[] = [
  'RSA-PSS-RSAE-SHA256',
  'RSA-PSS-RSAE-SHA384',
  'RSA-PSS-RSAE-SHA512',
  'RSA-PKCS1-SHA256',
  'RSA-PKCS1-SHA384',
  'RSA-PKCS1-SHA512',
];
export const EC_P256_SIGN_ALGOS: readonly SignAlgorithm[] = ['ECDSA-SECP256R1-SHA256'];

export interface SoftIdentity {
  identity: ClientIdentity;
  log: SoftSignerLog;
  /** The leaf certificate, for comparing with what the report says was sent. */
  cert: X509Certificate;
}

export function softIdentityFromPem(certFile: string, keyFile: string, signAlgos?: readonly SignAlgorithm[]): SoftIdentity {
  const cert = new X509Certificate(readFileSync(certFile));
  const details = cert.publicKey.asymmetricKeyDetails ?? {};
  const type = cert.publicKey.asymmetricKeyType;
  let keyType: 'rsa' | 'ec';
  let bits: number;
  if (type === 'rsa') {
    keyType = 'rsa';
    bits = details.modulusLength ?? 0;
  } else if (type === 'ec') {
    keyType = 'ec';
    const curveBits: Record<string, number> = { prime256v1: 256, 'P-256': 256, secp384r1: 384, 'P-384': 384 };
    bits = curveBits[details.namedCurve ?? ''] ?? 0;
  } else {
    throw new Error(`soft identity: unsupported key type ${String(type)} in ${certFile}`);
  }
  const log: SoftSignerLog = { calls: [] };
  const identity: ClientIdentity = {
    chainDer: [Buffer.from(cert.raw)],
    keyType,
    bits,
    signAlgos: signAlgos ?? (keyType === 'rsa' ? RSA_SIGN_ALGOS : EC_P256_SIGN_ALGOS),
    sign: softwareSigner(readFileSync(keyFile, 'utf8'), log),
  };
  return { identity, log, cert };
}
