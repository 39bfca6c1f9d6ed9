// TlsFailure: the one error type the TLS engine rejects or closes with, and the mapping from
// GnuTLS errors (as thrown by the addon) to stable codes the UI and the audit log can rely on.
import type { NativeTlsError } from './addon';

export type TlsFailureCode =
  /** The server would only speak a version below the policy's minimum (UCR-T7). */
  | 'protocol-version'
  /** No cipher suite / group / signature scheme in common with the policy (UCR-T7). */
  | 'no-shared-cipher'
  /** The chain does not lead to a configured trust anchor (UCR-T4). */
  | 'untrusted-chain'
  | 'certificate-expired'
  | 'certificate-not-yet-valid'
  | 'certificate-revoked'
  /** A key below RSA-2048 / P-256, or an MD5/SHA-1 signature in the chain (UCR-T7). */
  | 'weak-peer-certificate'
  /** The certificate is not for the server we asked for (the checkPeer hook said no). */
  | 'name-mismatch'
  /** Wrong purpose, unknown critical extension, ... */
  | 'peer-certificate-rejected'
  /** The server refused our client certificate (or demanded one we did not have). */
  | 'client-auth-failed'
  /** Our signer (card / software key) failed, threw or rejected. */
  | 'signer-failed'
  /** Something negotiated that the policy forbids (defence in depth after the handshake). */
  | 'policy-violation'
  | 'timeout'
  /** The socket ended or closed before the handshake finished. */
  | 'closed'
  | 'transport-error'
  /** Bad options (trust anchors, client certificate, ...): nothing was sent. */
  | 'config'
  | 'handshake-failed'
  /** A record-layer failure after the handshake (bad MAC, unexpected message, ...). */
  | 'protocol-error';

export interface TlsFailureDetails {
  gnutlsError?: string;
  gnutlsCode?: number;
  alert?: string;
  verifyReasons?: readonly string[];
  peerRejectReason?: string;
  cause?: unknown;
}

export class TlsFailure extends Error {
  override readonly name = 'TlsFailure';
  readonly code: TlsFailureCode;
  /** GnuTLS error name, e.g. GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR. */
  readonly gnutlsError: string | undefined;
  readonly gnutlsCode: number | undefined;
  /** The alert the server sent, as GnuTLS names it (e.g. "Protocol version"). */
  readonly alert: string | undefined;
  /** Verification reasons (addon names: signer-not-found, expired, weak-key, ...). */
  readonly verifyReasons: readonly string[];
  readonly peerRejectReason: string | undefined;

  constructor(code: TlsFailureCode, message: string, details: TlsFailureDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.gnutlsError = details.gnutlsError;
    this.gnutlsCode = details.gnutlsCode;
    this.alert = details.alert;
    this.verifyReasons = Object.freeze([...(details.verifyReasons ?? [])]);
    this.peerRejectReason = details.peerRejectReason;
  }
}

const VERSION_ERRORS = new Set(['GNUTLS_E_UNSUPPORTED_VERSION_PACKET', 'GNUTLS_E_UNSUPPORTED_VERSION']);
const CIPHER_ERRORS = new Set([
  'GNUTLS_E_NO_CIPHER_SUITES',
  'GNUTLS_E_UNKNOWN_CIPHER_SUITE',
  'GNUTLS_E_NO_COMMON_KEY_SHARE',
  'GNUTLS_E_INSUFFICIENT_SECURITY',
  'GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM',
  'GNUTLS_E_UNKNOWN_PK_ALGORITHM',
  'GNUTLS_E_SAFE_RENEGOTIATION_FAILED',
  'GNUTLS_E_UNSAFE_RENEGOTIATION_DENIED',
]);
const CLOSED_ERRORS = new Set(['GNUTLS_E_PREMATURE_TERMINATION', 'GNUTLS_E_PULL_ERROR', 'GNUTLS_E_PUSH_ERROR']);
// Alerts a server sends when it refuses the client's certificate or CertificateVerify.
const CLIENT_AUTH_ALERTS = ['certificate is required', 'bad certificate', 'unknown ca', 'certificate unknown', 'unsupported certificate', 'decrypt error', 'access denied'];
const UNTRUSTED = ['signer-not-found', 'signer-not-ca', 'signature-failure', 'signer-constraints-failure'];
const WEAK = ['weak-key', 'weak-signature-hash', 'insecure-algorithm'];

function fromVerifyReasons(reasons: readonly string[]): TlsFailureCode {
  const has = (r: string) => reasons.includes(r);
  if (has('revoked')) return 'certificate-revoked';
  if (UNTRUSTED.some(has)) return 'untrusted-chain';
  if (has('expired')) return 'certificate-expired';
  if (has('not-activated')) return 'certificate-not-yet-valid';
  if (WEAK.some(has)) return 'weak-peer-certificate';
  if (has('rejected-by-check')) return 'name-mismatch';
  return 'peer-certificate-rejected';
}

/** Maps an error thrown by the addon during the handshake to a TlsFailure. */
export function classifyHandshakeError(err: unknown): TlsFailure {
  if (err instanceof TlsFailure) return err;
  const e = (err ?? {}) as NativeTlsError;
  const name = typeof e.code === 'string' ? e.code : undefined;
  const alert = typeof e.alert === 'string' ? e.alert : undefined;
  const reasons = Array.isArray(e.verifyReasons) ? e.verifyReasons : [];
  const details: TlsFailureDetails = {
    gnutlsError: name,
    gnutlsCode: e.gnutlsCode,
    alert,
    verifyReasons: reasons,
    peerRejectReason: e.peerRejectReason,
    cause: e.cause ?? (err instanceof Error ? err : undefined),
  };
  const message = e instanceof Error ? e.message : String(err);
  const alertLc = (alert ?? '').toLowerCase();
  let code: TlsFailureCode = 'handshake-failed';
  if (name === 'ERR_BASTION_TLS_TIMEOUT') {
    code = 'timeout';
  } else if (name === 'GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR' || name === 'GNUTLS_E_CERTIFICATE_ERROR') {
    code = fromVerifyReasons(reasons);
  } else if (name === 'GNUTLS_E_PK_SIGN_FAILED') {
    code = 'signer-failed';
  } else if ((name && VERSION_ERRORS.has(name)) || alertLc.includes('protocol version')) {
    code = 'protocol-version';
  } else if ((name && CIPHER_ERRORS.has(name)) || alertLc.includes('handshake failed') || alertLc.includes('insufficient security')) {
    code = 'no-shared-cipher';
  } else if (CLIENT_AUTH_ALERTS.some((a) => alertLc.includes(a))) {
    code = 'client-auth-failed';
  } else if (name && CLOSED_ERRORS.has(name)) {
    code = 'closed';
  }
  if (code === 'name-mismatch' && e.peerRejectReason) {
    return new TlsFailure(code, `server certificate rejected: ${e.peerRejectReason}`, details);
  }
  return new TlsFailure(code, message, details);
}

/** Maps an error thrown by the addon after the handshake (read/write) to a TlsFailure. In TLS 1.3
 * the server judges our certificate after our Finished, so its refusal arrives here as an alert. */
export function classifyRecordError(err: unknown): TlsFailure {
  if (err instanceof TlsFailure) return err;
  const e = (err ?? {}) as NativeTlsError;
  const name = typeof e.code === 'string' ? e.code : undefined;
  const alert = typeof e.alert === 'string' ? e.alert : undefined;
  let code: TlsFailureCode = 'protocol-error';
  if (alert && CLIENT_AUTH_ALERTS.some((a) => alert.toLowerCase().includes(a))) code = 'client-auth-failed';
  else if (name && CLOSED_ERRORS.has(name)) code = 'closed';
  return new TlsFailure(code, e instanceof Error ? e.message : String(err), { gnutlsError: name, gnutlsCode: e.gnutlsCode, alert, cause: err });
}
