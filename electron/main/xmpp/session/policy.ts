import type { TlsPolicy } from '../../tls/engine';
import { MECHANISM_NAMES, type MechanismName } from '../sasl/mechanism';

/** What admin policy decides about a session (the policy file feeds this; issue 8). */
export interface SessionPolicy {
  /** UCR mode: dial port 5222 only; SRV records naming another port are skipped [UCR-S2]. */
  readonly ucrMode: boolean;
  /** When set, only these JID domains may be contacted [UCR-S1]. */
  readonly allowedDomains?: readonly string[];
  readonly tls: TlsPolicy;
  /** Allowed SASL mechanisms, strongest first [UCR-A4]. */
  readonly mechanisms: readonly MechanismName[];
  /** Use SASL2 with inline Bind2 (XEP-0388/0386) where the server offers both. */
  readonly sasl2: boolean;
  /** DNS servers ("127.0.0.1:53"); empty = the system's. */
  readonly dnsServers: readonly string[];
  readonly connectTimeoutMs: number;
  /** Longest wait for any one answer during negotiation. */
  readonly stepTimeoutMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = Object.freeze({
  ucrMode: true,
  tls: Object.freeze({ minVersion: '1.2' as const }),
  mechanisms: MECHANISM_NAMES,
  sasl2: true,
  dnsServers: [],
  connectTimeoutMs: 10_000,
  stepTimeoutMs: 15_000,
});
