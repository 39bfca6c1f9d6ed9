// TLS policy as a GnuTLS priority string (UCR-T7, RFC 7525 via RFC 7590): TLS 1.2/1.3 only,
// AEAD suites with forward secrecy only, no SHA-1 signatures, safe renegotiation required,
// RSA >= 2048 / EC >= P-256. The string starts from NONE and lists every algorithm allowed, so
// a GnuTLS upgrade or a system-wide config can never add one.

export type TlsVersion = '1.2' | '1.3';

export interface TlsPolicy {
  /** Lowest version accepted. */
  minVersion: TlsVersion;
  /**
   * Highest version offered (default '1.3'). '1.2' is for an RSA card without RSA-PSS: TLS 1.3
   * allows only RSA-PSS in CertificateVerify, so such a card can authenticate only under TLS 1.2.
   * Chosen up front (maxTlsVersionFor in engine.ts), never as a retry after a failure. Must not
   * be below minVersion.
   */
  maxVersion?: TlsVersion;
}

export const DEFAULT_POLICY: TlsPolicy = Object.freeze({ minVersion: '1.2' });

/** Floors for every key in the peer's chain (enforced by the addon, also by %PROFILE_MEDIUM). */
export const MIN_RSA_BITS = 2048;
export const MIN_EC_BITS = 256;

// Key exchange for TLS 1.2 (TLS 1.3 has only (EC)DHE). No plain RSA key transport, no PSK, no anon.
const KX = ['ECDHE-ECDSA', 'ECDHE-RSA', 'DHE-RSA'];
// AEAD only: no CBC, no RC4, no 3DES, no NULL.
const CIPHERS = ['AES-256-GCM', 'CHACHA20-POLY1305', 'AES-128-GCM'];
const MACS = ['AEAD'];
// X25519 and the NIST curves; finite-field groups of at least 2048 bits (RFC 7919).
const GROUPS = ['X25519', 'SECP256R1', 'SECP384R1', 'FFDHE2048', 'FFDHE3072', 'FFDHE4096'];
// Handshake signatures: SHA-2 only. RSA-PSS for TLS 1.3; PKCS#1 v1.5 is still TLS 1.2's.
const SIGNATURES = [
  'RSA-PSS-RSAE-SHA256',
  'RSA-PSS-RSAE-SHA384',
  'RSA-PSS-RSAE-SHA512',
  'ECDSA-SECP256R1-SHA256',
  'ECDSA-SECP384R1-SHA384',
  'ECDSA-SECP521R1-SHA512',
  'ECDSA-SHA256',
  'ECDSA-SHA384',
  'ECDSA-SHA512',
  'RSA-SHA256',
  'RSA-SHA384',
  'RSA-SHA512',
];

const VERSIONS: readonly TlsVersion[] = ['1.3', '1.2'];

const isVersion = (v: unknown): v is TlsVersion => v === '1.2' || v === '1.3';

/** Checks a policy's versions; throws a RangeError for an unknown version or max < min. */
export function checkVersions(policy: TlsPolicy): { min: TlsVersion; max: TlsVersion } {
  const min: unknown = policy.minVersion;
  const max: unknown = policy.maxVersion ?? '1.3';
  if (!isVersion(min)) throw new RangeError(`unsupported minimum TLS version: ${String(min)}`);
  if (!isVersion(max)) throw new RangeError(`unsupported maximum TLS version: ${String(max)}`);
  if (max < min) throw new RangeError(`maximum TLS version ${max} is below the minimum ${min}`);
  return { min, max };
}

/** The versions offered, highest first. */
export function versionsFor(policy: TlsPolicy): TlsVersion[] {
  const { min, max } = checkVersions(policy);
  return VERSIONS.filter((v) => v >= min && v <= max);
}

/** The GnuTLS priority string for a policy. */
export function priorityString(policy: TlsPolicy): string {
  const parts = [
    'NONE',
    ...versionsFor(policy).map((v) => `+VERS-TLS${v}`),
    ...KX.map((k) => `+${k}`),
    ...CIPHERS.map((c) => `+${c}`),
    ...MACS.map((m) => `+${m}`),
    '+COMP-NULL',
    ...GROUPS.map((g) => `+GROUP-${g}`),
    ...SIGNATURES.map((s) => `+SIGN-${s}`),
    '+CTYPE-X509',
    // Refuse servers without RFC 5746 (and renegotiation is refused outright by the addon).
    '%SAFE_RENEGOTIATION',
    // Verification profile: 112-bit security (RSA/DH >= 2048) for the chain and DH parameters.
    '%PROFILE_MEDIUM',
  ];
  return parts.join(':');
}
