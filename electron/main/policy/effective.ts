/**
 * The settings in force: a policy key when the admin set it (managed, the user cannot change it),
 * else the development environment variable where one exists, else the default. A policy key
 * always wins over an environment variable. Also what the session core needs from it.
 */
import { DOD_CONSENT_BANNER } from '../../../shared/policy/consent';
import { AUTH_METHODS, POLICY_KEYS, type AuthMethod, type EffectivePolicy, type PolicyKey, type PolicyView } from '../../../shared/policy/schema';
import type { MechanismName } from '../xmpp/sasl/mechanism';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../xmpp/session/policy';
import type { LoadedPolicy } from './load';

export const DEFAULT_TRUST_ANCHORS = '/etc/bastion/trust-anchors.pem';

const list = (s: string | undefined): string[] =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

const REVOCATION = { hard: 'hard-fail', soft: 'soft-fail', off: 'off' } as const;
const FROM_REVOCATION = { 'hard-fail': 'hard', 'soft-fail': 'soft', off: 'off' } as const;

export function effectivePolicy(loaded: LoadedPolicy, env: NodeJS.ProcessEnv): PolicyView {
  // A broken policy enforces nothing (and nothing connects); the values shown are the defaults.
  const p = loaded.status === 'broken' ? {} : loaded.policy;
  const days = env.BASTION_HISTORY_DAYS && /^\d{1,5}$/.test(env.BASTION_HISTORY_DAYS) ? Number(env.BASTION_HISTORY_DAYS) : null;
  const effective: EffectivePolicy = {
    allowedDomains: p.allowedDomains ? p.allowedDomains.map((d) => d.toLowerCase()) : null,
    trustAnchors: p.trustAnchors ?? env.BASTION_TRUST_ANCHORS ?? DEFAULT_TRUST_ANCHORS,
    pkcs11Modules: p.pkcs11Modules ?? list(env.BASTION_PKCS11_MODULE),
    authMethods: p.authMethods ?? [...AUTH_METHODS],
    minTlsVersion: p.minTlsVersion ?? DEFAULT_SESSION_POLICY.tls.minVersion,
    revocation: p.revocation ?? FROM_REVOCATION[DEFAULT_SESSION_POLICY.revocation],
    cardRemoval: p.cardRemoval ?? (env.BASTION_CARD_REMOVAL === 'keep' ? 'keep' : 'terminate'),
    consentBanner: p.consentBanner ?? DOD_CONSENT_BANNER,
    classificationBanner: p.classificationBanner ?? null,
    history: p.history ? { enabled: p.history.enabled, retentionDays: p.history.retentionDays ?? null } : { enabled: env.BASTION_HISTORY !== 'off', retentionDays: days },
    compression: p.compression ?? DEFAULT_SESSION_POLICY.compression,
    xeps: {
      privacyLists: p.xeps?.privacyLists ?? true,
      multicast: p.xeps?.multicast ?? true,
      xhtmlIm: p.xeps?.xhtmlIm ?? true,
      entityCapabilities: p.xeps?.entityCapabilities ?? true,
    },
    dnsServers: p.dnsServers ?? list(env.BASTION_DNS_SERVERS),
    passwordSaving: 'never',
  };
  const managed: PolicyKey[] = POLICY_KEYS.filter((k) => p[k] !== undefined);
  return {
    status: loaded.status,
    file: loaded.file,
    sources: loaded.sources,
    ...(loaded.status === 'broken' ? { error: loaded.error } : {}),
    managed,
    effective,
    notes: loaded.notes,
  };
}

// SASL mechanisms per sign-in method: a certificate (card or file) authenticates with EXTERNAL
// (XEP-0178), a password with SCRAM or PLAIN. A method the policy forbids loses its mechanisms
// too, so even a bug above the session core could not fall back to it.
const mechanismAllowed = (m: MechanismName, methods: readonly AuthMethod[]): boolean =>
  m === 'EXTERNAL' ? methods.includes('card') || methods.includes('pkcs12') : methods.includes('password');

/** The session core's policy (DNS, TLS floor, revocation, domains, compression, SASL) from the effective settings. */
export function sessionPolicyFrom(e: EffectivePolicy, base: SessionPolicy = DEFAULT_SESSION_POLICY): SessionPolicy {
  return {
    ...base,
    ...(e.allowedDomains ? { allowedDomains: e.allowedDomains } : {}),
    tls: { ...base.tls, minVersion: e.minTlsVersion },
    revocation: REVOCATION[e.revocation],
    mechanisms: base.mechanisms.filter((m) => mechanismAllowed(m, e.authMethods)),
    dnsServers: e.dnsServers,
    compression: e.compression,
  };
}

/**
 * Why `connect` (or `registerAccount`) must be refused before anything else happens, or
 * undefined: a broken policy stops every connection; a method the policy does not allow is refused.
 */
export function policyRefusal(view: PolicyView | undefined, method: AuthMethod): string | undefined {
  if (!view) return undefined;
  if (view.status === 'broken') return `the admin policy is broken, so Bastion will not connect until an administrator fixes it: ${view.error ?? view.file}`;
  if (!view.effective.authMethods.includes(method)) {
    const names: Record<AuthMethod, string> = { password: 'a password', card: 'a smart card (CAC)', pkcs12: 'a certificate file' };
    return `the admin policy does not allow signing in with ${names[method]}; allowed: ${view.effective.authMethods.map((m) => names[m]).join(', ')}`;
  }
  return undefined;
}
