// Which PKCS#11 mechanism signs which TLS signature scheme, and which schemes a card can offer.
// The TLS engine hands us: the hash for RSA-PSS and ECDSA, the DER DigestInfo for PKCS#1 v1.5
// (see ClientIdentity in ../tls/engine.ts). Hashing never happens on the card, so the plain
// mechanisms are the right ones (and SoftHSM 2.6 has no CKM_ECDSA_SHA256 anyway).
import type { SignAlgorithm } from '../tls/engine';
import { CK } from './ck';
import type { MechanismSupport } from './protocol';

export interface PssParams {
  hashAlg: number;
  mgf: number;
  /** RFC 8446 §4.2.3: the salt is as long as the hash. */
  saltLen: number;
}

export interface SignMechanism {
  keyType: 'rsa' | 'ec';
  mechanism: number;
  pss?: PssParams;
  /** Exact input length (a hash), or 'digest-info' for a DER DigestInfo. */
  input: number | 'digest-info';
}

const pss = (hashAlg: number, mgf: number, len: number): SignMechanism => ({
  keyType: 'rsa',
  mechanism: CK.CKM_RSA_PKCS_PSS,
  pss: { hashAlg, mgf, saltLen: len },
  input: len,
});
const pkcs1: SignMechanism = { keyType: 'rsa', mechanism: CK.CKM_RSA_PKCS, input: 'digest-info' };

export const SIGN_MECHANISMS: Readonly<Record<SignAlgorithm, SignMechanism>> = {
  'RSA-PSS-RSAE-SHA256': pss(CK.CKM_SHA256, CK.CKG_MGF1_SHA256, 32),
  'RSA-PSS-RSAE-SHA384': pss(CK.CKM_SHA384, CK.CKG_MGF1_SHA384, 48),
  'RSA-PSS-RSAE-SHA512': pss(CK.CKM_SHA512, CK.CKG_MGF1_SHA512, 64),
  'RSA-PKCS1-SHA256': pkcs1,
  'RSA-PKCS1-SHA384': pkcs1,
  'RSA-PKCS1-SHA512': pkcs1,
  'ECDSA-SECP256R1-SHA256': { keyType: 'ec', mechanism: CK.CKM_ECDSA, input: 32 },
  'ECDSA-SECP384R1-SHA384': { keyType: 'ec', mechanism: CK.CKM_ECDSA, input: 48 },
};

/** DigestInfo prefixes (RFC 8017 §9.2 note 1) for the hashes TLS uses with PKCS#1 v1.5. */
const DIGEST_INFO_PREFIX: Readonly<Record<number, string>> = {
  32: '3031300d060960864801650304020105000420',
  48: '3041300d060960864801650304020205000430',
  64: '3051300d060960864801650304020305000440',
};

/** Whether `data` is a DigestInfo for SHA-256/384/512, so CKM_RSA_PKCS signs nothing else. */
export function isDigestInfo(data: Uint8Array): boolean {
  for (const [len, prefix] of Object.entries(DIGEST_INFO_PREFIX)) {
    const p = Buffer.from(prefix, 'hex');
    if (data.length === p.length + Number(len) && Buffer.from(data.subarray(0, p.length)).equals(p)) return true;
  }
  return false;
}

/** Why `data` is not a valid input for `algo`, or null. */
export function checkSignInput(algo: SignAlgorithm, data: Uint8Array): string | null {
  const m = SIGN_MECHANISMS[algo];
  if (m.input === 'digest-info') return isDigestInfo(data) ? null : `${algo} expects a DER DigestInfo of SHA-256/384/512`;
  return data.length === m.input ? null : `${algo} expects a ${m.input}-byte hash, got ${data.length} bytes`;
}

/**
 * The TLS signature schemes a card key can really produce, strongest first.
 * RSA: PSS (TLS 1.3 and 1.2) only if the card has CKM_RSA_PKCS_PSS; PKCS#1 v1.5 SHA-256 for
 * TLS 1.2 (TLS 1.3 never asks for it in CertificateVerify). Without PSS the login falls back
 * to TLS 1.2 or fails where policy demands 1.3. EC: the scheme is bound to the curve.
 */
export function signAlgosFor(keyType: 'rsa' | 'ec', bits: number, support: MechanismSupport): SignAlgorithm[] {
  if (keyType === 'rsa') {
    const out: SignAlgorithm[] = [];
    if (support.rsaPss) out.push('RSA-PSS-RSAE-SHA256', 'RSA-PSS-RSAE-SHA384');
    if (support.rsaPkcs) out.push('RSA-PKCS1-SHA256');
    return out;
  }
  if (!support.ecdsa) return [];
  if (bits === 256) return ['ECDSA-SECP256R1-SHA256'];
  if (bits === 384) return ['ECDSA-SECP384R1-SHA384'];
  return [];
}
