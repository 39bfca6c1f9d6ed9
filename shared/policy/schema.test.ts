import { describe, expect, it } from 'vitest';
import { adminPolicySchema, describePolicyIssues, jsonPath, POLICY_KEYS, policyJsonSchema } from './schema';

const problems = (v: unknown): string[] => {
  const r = adminPolicySchema.safeParse(v);
  return r.success ? [] : describePolicyIssues(r.error.issues);
};

/** A CAC-only DoD seat, as in docs/admin.md. */
const CAC_SEAT = {
  allowedDomains: ['chat.example.mil'],
  trustAnchors: '/etc/bastion/dod-roots.pem',
  pkcs11Modules: ['/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so'],
  authMethods: ['card'],
  minTlsVersion: '1.3',
  revocation: 'hard',
  cardRemoval: 'terminate',
  consentBanner: 'You are accessing a U.S. Government (USG) Information System …',
  classificationBanner: { text: 'UNCLASSIFIED', foreground: '#ffffff', background: '#007a33' },
  history: { enabled: true, retentionDays: 30 },
  compression: 'off',
  xeps: { privacyLists: true, multicast: false, xhtmlIm: false, entityCapabilities: true },
  dnsServers: ['10.0.0.53', '[fd00::53]:53'],
  passwordSaving: 'never',
};

describe('admin policy schema [UCR-G3]', () => {
  it('accepts a policy with every key, and an empty policy', () => {
    expect(problems(CAC_SEAT)).toEqual([]);
    expect(Object.keys(CAC_SEAT).sort()).toEqual([...POLICY_KEYS].sort());
    expect(problems({})).toEqual([]);
  });

  it('refuses an unknown key, naming it, its JSON path and the known keys (a typo must not become an unenforced setting)', () => {
    expect(problems({ ...CAC_SEAT, minTLSVersion: '1.3' })).toEqual([expect.stringMatching(/^\$\.minTLSVersion: unknown key \(known keys: .*minTlsVersion/)]);
    expect(problems({ history: { enabled: true, keepDays: 3 } })).toEqual(['$.history.keepDays: unknown key']);
    expect(problems({ classificationBanner: { text: 'CUI', foreground: '#fff', background: '#502b85', blink: true } })).toEqual(['$.classificationBanner.blink: unknown key']);
  });

  it('says where each problem is, with the allowed values', () => {
    expect(problems({ revocation: 'hard-fail' })).toEqual(['$.revocation: must be one of "hard", "soft", "off"']);
    expect(problems({ minTlsVersion: '1.1' })).toEqual(['$.minTlsVersion: must be one of "1.2", "1.3"']);
    expect(problems({ allowedDomains: ['example.mil', 'bad domain'] })).toEqual(['$.allowedDomains[1]: must be a domain name such as "example.mil"']);
    expect(problems({ history: { enabled: 'no' } })).toEqual([expect.stringMatching(/^\$\.history\.enabled: .*boolean/)]);
    expect(problems({ history: { enabled: true, retentionDays: 0 } })).toEqual([expect.stringMatching(/^\$\.history\.retentionDays: /)]);
  });

  it.each([
    [{ allowedDomains: [] }, '$.allowedDomains'],
    [{ allowedDomains: ['a.mil', 'a.mil'] }, '$.allowedDomains: lists a domain twice'],
    [{ trustAnchors: 'roots.pem' }, '$.trustAnchors: must be an absolute path'],
    [{ pkcs11Modules: ['opensc-pkcs11.so'] }, '$.pkcs11Modules[0]: must be an absolute path'],
    [{ authMethods: [] }, '$.authMethods'],
    [{ authMethods: ['card', 'smartcard'] }, '$.authMethods[1]: must be one of "password", "card", "pkcs12"'],
    [{ cardRemoval: 'lock' }, '$.cardRemoval: must be one of "terminate", "keep"'],
    [{ consentBanner: '' }, '$.consentBanner'],
    [{ classificationBanner: { text: 'SECRET', foreground: 'white', background: '#c8102e' } }, '$.classificationBanner.foreground: must be a colour written #rrggbb'],
    [{ compression: 'zlib' }, '$.compression: must be one of "off", "allowed"'],
    [{ xeps: { xhtml: false } }, '$.xeps.xhtml: unknown key'],
    [{ dnsServers: ['dns.example.mil'] }, '$.dnsServers[0]: must be an IP address'],
    [{ dnsServers: ['10.0.0.53:99999'] }, '$.dnsServers[0]: must be an IP address'],
    [{ passwordSaving: 'always' }, '$.passwordSaving: must be one of "never"'],
  ])('refuses %j', (policy, expected) => {
    const p = problems(policy);
    expect(p).toHaveLength(1);
    expect(p[0]).toContain(expected);
  });

  it('accepts Windows paths (the same schema serves every OS)', () => {
    expect(problems({ trustAnchors: 'C:\\ProgramData\\Bastion\\dod.pem', pkcs11Modules: ['C:\\Windows\\System32\\acpkcs211.dll', '\\\\srv\\share\\p11.dll'] })).toEqual([]);
  });

  it('writes JSON paths the way admins read them', () => {
    expect(jsonPath([])).toBe('$');
    expect(jsonPath(['allowedDomains', 2])).toBe('$.allowedDomains[2]');
    expect(jsonPath(['odd key'])).toBe('$["odd key"]');
  });

  it('exports a JSON Schema that refuses unknown keys, for admins’ editors', () => {
    const s = policyJsonSchema();
    expect(s).toMatchObject({ type: 'object', additionalProperties: false });
    expect(Object.keys(s.properties as object).sort()).toEqual(['$schema', ...POLICY_KEYS].sort());
  });
});
