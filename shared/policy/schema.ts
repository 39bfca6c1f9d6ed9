/**
 * The machine-wide admin policy (issue 8) [UCR-G3]: its file format, and what the UI is told
 * about it (`getPolicy`). Every key is optional; a key that is present is ENFORCED — the user
 * cannot change it and the UI shows it as managed. Unknown keys are refused, so a typo never
 * turns into a silently unenforced setting. No runtime dependency beyond zod: the same schema
 * validates the file in the main process, types the IPC contract and can be exported as JSON
 * Schema for admins' editors (`policyJsonSchema`).
 */
import { z } from 'zod';

export const AUTH_METHODS = ['password', 'card', 'pkcs12'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** Every policy key, in the order the admin guide lists them. */
export const POLICY_KEYS = [
  'allowedDomains',
  'trustAnchors',
  'pkcs11Modules',
  'authMethods',
  'minTlsVersion',
  'revocation',
  'cardRemoval',
  'consentBanner',
  'classificationBanner',
  'history',
  'compression',
  'xeps',
  'dnsServers',
  'passwordSaving',
] as const;
export type PolicyKey = (typeof POLICY_KEYS)[number];

// RFC 1035 §2.3.1 LDH labels (IDNs in their A-label form, RFC 5890), at least two labels.
const LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?';
const DOMAIN = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`);
const IPV4 = '(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV6 = '[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}';
const PORT = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d\\d|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3})';
// What Node's dns Resolver.setServers accepts: "10.0.0.53", "10.0.0.53:5353", "fd00::53", "[fd00::53]:5353".
const DNS_SERVER = new RegExp(`^(?:${IPV4}(?::${PORT})?|${IPV6}|\\[${IPV6}\\](?::${PORT})?)$`);
// No regex flags: the patterns are exported as JSON Schema, which has none.
// Absolute on any OS the policy may be written for: "/…", "C:\…" or "\\server\share\…".
const ABSOLUTE = /^(?:\/|[A-Za-z]:[\\/]|\\\\[^\\]+\\)/;

const absolutePath = z.string().max(4096).regex(ABSOLUTE, 'must be an absolute path');
const colour = z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a colour written #rrggbb');
const unique = <T>(xs: readonly T[]): boolean => new Set(xs).size === xs.length;

export const classificationBannerSchema = z
  .object({
    /** e.g. "UNCLASSIFIED", "CUI", "SECRET//NOFORN": shown on every window edge. */
    text: z.string().min(1).max(200),
    foreground: colour,
    background: colour,
  })
  .strict();

export const historyPolicySchema = z
  .object({
    enabled: z.boolean(),
    /** Messages older than this are deleted; absent keeps them. */
    retentionDays: z.number().int().min(1).max(36500).optional(),
  })
  .strict();

/**
 * The conditional XEPs of UCR 2008 Table 5.7.3-1 ("implement; admin policy may switch off"):
 * false turns the feature off for every session (not registered, not advertised in disco).
 * XEP-0138 has its own key, `compression`, off unless allowed.
 */
export const xepsPolicySchema = z
  .object({
    /** XEP-0016 privacy lists (and the "only my contacts" preset built on them). */
    privacyLists: z.boolean(),
    /** XEP-0033 extended stanza addressing (multicast). */
    multicast: z.boolean(),
    /** XEP-0071 XHTML-IM formatted messages, received and sent. */
    xhtmlIm: z.boolean(),
    /** XEP-0115 entity capabilities (our hash in presence; learning others'). */
    entityCapabilities: z.boolean(),
  })
  .partial()
  .strict();

/** The policy file (policy.json) and, on Windows, the GPO registry values: every key optional. */
export const adminPolicySchema = z
  .object({
    /** For editors that validate against the published JSON Schema; ignored otherwise. */
    $schema: z.string().max(2048).optional(),
    /** Only accounts on these XMPP domains may sign in [UCR-S1]. */
    allowedDomains: z.array(z.string().regex(DOMAIN, 'must be a domain name such as "example.mil"')).min(1).max(1000).refine(unique, 'lists a domain twice').optional(),
    /** PEM bundle of the trust anchors (DoD PKI roots) [UCR-T4]. */
    trustAnchors: absolutePath.optional(),
    /** PKCS#11 modules, absolute paths; when set only these are used. */
    pkcs11Modules: z.array(absolutePath).min(1).max(16).optional(),
    /** Which sign-in methods the login dialog offers and `connect` accepts (e.g. ["card"]: CAC only). */
    authMethods: z.array(z.enum(AUTH_METHODS)).min(1).refine(unique, 'lists a method twice').optional(),
    minTlsVersion: z.enum(['1.2', '1.3']).optional(),
    /** Server-certificate revocation [UCR-A5]: hard-fail, soft-fail or no checking. */
    revocation: z.enum(['hard', 'soft', 'off']).optional(),
    /** What pulling the card does to the session [UCR-T5]. */
    cardRemoval: z.enum(['terminate', 'keep']).optional(),
    /** Replaces the DoD Notice and Consent banner text [UCR-G3]. */
    consentBanner: z.string().min(1).max(20_000).optional(),
    classificationBanner: classificationBannerSchema.optional(),
    history: historyPolicySchema.optional(),
    /** XEP-0138 stream compression (off by default: CRIME/BREACH, RFC 7457 §2.6). */
    compression: z.enum(['off', 'allowed']).optional(),
    xeps: xepsPolicySchema.optional(),
    /** DNS servers for SRV/A lookups; [] means the system's. */
    dnsServers: z.array(z.string().regex(DNS_SERVER, 'must be an IP address, optionally with :port ("10.0.0.53", "[fd00::53]:53")')).max(8).optional(),
    /** Passwords are never stored by Bastion; the key exists so the STIG setting is explicit. */
    passwordSaving: z.enum(['never']).optional(),
  })
  .strict();
export type AdminPolicy = z.output<typeof adminPolicySchema>;

/** The values in force after policy, environment (development) and defaults. */
export const effectivePolicySchema = z
  .object({
    /** null: any domain. */
    allowedDomains: z.array(z.string()).readonly().nullable(),
    trustAnchors: z.string(),
    pkcs11Modules: z.array(z.string()).readonly(),
    authMethods: z.array(z.enum(AUTH_METHODS)).readonly(),
    minTlsVersion: z.enum(['1.2', '1.3']),
    revocation: z.enum(['hard', 'soft', 'off']),
    cardRemoval: z.enum(['terminate', 'keep']),
    consentBanner: z.string(),
    classificationBanner: classificationBannerSchema.readonly().nullable(),
    history: z.object({ enabled: z.boolean(), retentionDays: z.number().nullable() }).readonly(),
    compression: z.enum(['off', 'allowed']),
    xeps: z.object({ privacyLists: z.boolean(), multicast: z.boolean(), xhtmlIm: z.boolean(), entityCapabilities: z.boolean() }).readonly(),
    dnsServers: z.array(z.string()).readonly(),
    passwordSaving: z.enum(['never']),
  })
  .readonly();
export type EffectivePolicy = z.output<typeof effectivePolicySchema>;

/** What `getPolicy` answers: enough for the UI to show every setting and lock the managed ones. */
export const policyViewSchema = z
  .object({
    /** 'none': no policy anywhere (defaults); 'broken': present but unusable — nothing connects. */
    status: z.enum(['none', 'loaded', 'broken']),
    /** The machine-wide policy file of this OS (whether or not it exists). */
    file: z.string(),
    /** Where the policy in force was read (file paths, the GPO registry key). */
    sources: z.array(z.string()).readonly(),
    /** Admin-facing: which file or key, the JSON path of the problem and what is wrong. */
    error: z.string().optional(),
    /** Keys the admin set: enforced, shown as managed, not changeable by the user. */
    managed: z.array(z.enum(POLICY_KEYS)).readonly(),
    effective: effectivePolicySchema,
    /** Things an admin should know that do not stop the app (e.g. an ignored override). */
    notes: z.array(z.string()).readonly(),
  })
  .readonly();
export type PolicyView = z.output<typeof policyViewSchema>;

/** A JSON path as admins read it: $.history.retentionDays, $.allowedDomains[2]. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `${acc}.${String(p)}` : `${acc}[${JSON.stringify(String(p))}]`), '$');
}

/** One line per problem, each starting with the JSON path; unknown keys named with what is allowed. */
export function describePolicyIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    if (i.code === 'unrecognized_keys') {
      const allowed = i.path.length === 0 ? ['$schema', ...POLICY_KEYS] : undefined;
      return i.keys
        .map((k) => `${jsonPath([...i.path, k])}: unknown key${allowed ? ` (known keys: ${allowed.join(', ')})` : ''}`)
        .join('; ');
    }
    if (i.code === 'invalid_value' && 'values' in i) return `${jsonPath(i.path)}: must be one of ${i.values.map((v) => JSON.stringify(v)).join(', ')}`;
    return `${jsonPath(i.path)}: ${i.message}`;
  });
}

/** The JSON Schema of the policy file, for admins' editors and the installer (zod → draft 2020-12). */
export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(adminPolicySchema, { io: 'input' }) as Record<string, unknown>;
}
