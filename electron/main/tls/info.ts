// TlsInfo: the typed, frozen view of what a finished handshake negotiated (from session.info()),
// and the post-handshake policy check that backs up the priority string.
import type { NativeInfo, SignAlgorithm } from './addon';
import { TlsFailure } from './failure';
import { versionsFor, type TlsPolicy } from './priority';

export interface TlsInfo {
  version: 'TLS1.2' | 'TLS1.3';
  /** IANA name, e.g. TLS_AES_256_GCM_SHA384 or TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384. */
  cipherSuite: string;
  cipher: string;
  /** ECDHE-RSA / ECDHE-ECDSA / DHE-RSA for TLS 1.2; ECDHE or DHE (the group's family) for TLS 1.3. */
  kx: string;
  /** Always AEAD under our policy. */
  mac: string;
  /** Key exchange group, e.g. X25519, SECP256R1, FFDHE2048. */
  group: string | null;
  /** GnuTLS's one-line summary, e.g. (TLS1.3)-(ECDHE-X25519)-(RSA-PSS-RSAE-SHA256)-(AES-256-GCM). */
  description: string | null;
  /** Leaf first, as the server sent it. */
  peerChainDer: readonly Buffer[];
  peerKey: { type: string; bits: number } | null;
  /** GnuTLS gnutls_certificate_status_t bits (0 = verified). */
  verifyStatus: number;
  verifyReasons: readonly string[];
  ocspStapledDer?: Buffer;
  sessionResumed: boolean;
  extendedMasterSecret: boolean;
  clientCertRequested: boolean;
  clientCertSent: boolean;
  clientSignAlgorithm?: SignAlgorithm;
  channelBinding: {
    /** RFC 9266 tls-exporter (32 bytes), TLS 1.3 only. */
    tlsExporter?: Buffer;
    /** RFC 5929 tls-unique: TLS 1.2 only. */
    tlsUnique?: Buffer;
  };
}

/** Builds TlsInfo from the addon's info of an open session, enforcing the policy once more. */
export function toTlsInfo(n: NativeInfo, policy: TlsPolicy): TlsInfo {
  const version = n.version ?? '';
  const allowed = versionsFor(policy).map((v) => `TLS${v}`);
  if (!allowed.includes(version)) {
    const range = allowed.length === 1 ? `TLS ${policy.minVersion}` : `TLS ${policy.minVersion}-${policy.maxVersion ?? '1.3'}`;
    throw new TlsFailure('policy-violation', `negotiated ${version || 'no version'}, policy allows ${range}`);
  }
  if (n.mac !== 'AEAD') throw new TlsFailure('policy-violation', `negotiated a non-AEAD cipher (${String(n.cipherSuite)})`);
  if (!n.verified) throw new TlsFailure('untrusted-chain', 'handshake finished without a verified peer chain');
  const info: TlsInfo = {
    version: version as TlsInfo['version'],
    cipherSuite: n.cipherSuite ?? '',
    cipher: n.cipher ?? '',
    kx: n.kx ?? '',
    mac: n.mac,
    group: n.group ?? null,
    description: n.description ?? null,
    peerChainDer: Object.freeze([...n.peerChainDer]),
    peerKey: n.peerKey ?? null,
    verifyStatus: n.verifyStatus,
    verifyReasons: Object.freeze([...n.verifyReasons]),
    sessionResumed: n.sessionResumed === true,
    extendedMasterSecret: n.extendedMasterSecret === true,
    clientCertRequested: n.clientCertRequested,
    clientCertSent: n.clientCertSent,
    channelBinding: Object.freeze({ ...(n.channelBinding ?? {}) }),
  };
  if (n.ocspStapledDer) info.ocspStapledDer = n.ocspStapledDer;
  if (n.clientSignAlgorithm) info.clientSignAlgorithm = n.clientSignAlgorithm;
  return Object.freeze(info);
}
