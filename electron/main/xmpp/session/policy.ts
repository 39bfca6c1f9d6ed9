import type { TlsPolicy } from '../../tls/engine';
import type { RevocationMode } from '../../tls/revocation';
import { MECHANISM_NAMES, type MechanismName } from '../sasl/mechanism';

/** What admin policy decides about a session (the policy file feeds this; issue 8). */
export interface SessionPolicy {
  /** UCR mode: dial port 5222 only; SRV records naming another port are skipped [UCR-S2]. */
  readonly ucrMode: boolean;
  /** When set, only these JID domains may be contacted [UCR-S1]. */
  readonly allowedDomains?: readonly string[];
  readonly tls: TlsPolicy;
  /**
   * Server-certificate revocation [UCR-A5]: 'hard-fail' ends the session when no source can say
   * the certificate is good; 'soft-fail' only when one says it is revoked; 'off' skips checking.
   */
  readonly revocation: RevocationMode;
  /** Allowed SASL mechanisms, strongest first [UCR-A4]. */
  readonly mechanisms: readonly MechanismName[];
  /** Use SASL2 with inline Bind2 (XEP-0388/0386) where the server offers both. */
  readonly sasl2: boolean;
  /** DNS servers ("127.0.0.1:53"); empty = the system's. */
  readonly dnsServers: readonly string[];
  readonly connectTimeoutMs: number;
  /** Longest wait for any one answer during negotiation. */
  readonly stepTimeoutMs: number;
  /**
   * XEP-0138 stream compression [UCR-G1: conditional, policy may switch it off]. 'off' by
   * default: compressing attacker-influenced and secret data together under the same encryption
   * lets an observer of the ciphertext sizes recover the secret (CRIME and BREACH; RFC 7457 §2.6,
   * RFC 7525 §3.3), and XMPP streams carry both. 'allowed' negotiates zlib where offered.
   */
  readonly compression: 'off' | 'allowed';
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = Object.freeze({
  ucrMode: true,
  tls: Object.freeze({ minVersion: '1.2' as const }),
  // Soft-fail by default so a seat without a reachable OCSP responder can still connect; the
  // report always says which source answered, and admins switch to hard-fail by policy.
  revocation: 'soft-fail',
  mechanisms: MECHANISM_NAMES,
  sasl2: true,
  dnsServers: [],
  connectTimeoutMs: 10_000,
  stepTimeoutMs: 15_000,
  compression: 'off',
});
