// Every policy key reaches what enforces it (the session environment the core runs on), and a
// policy key always wins over the development environment variable for the same setting.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DOD_CONSENT_BANNER } from '../../../shared/policy/consent';
import { policyViewSchema, type AdminPolicy } from '../../../shared/policy/schema';
import { nodeSessionEnvironment } from '../core/session-env';
import { MECHANISM_NAMES } from '../xmpp/sasl/mechanism';
import { DEFAULT_SESSION_POLICY } from '../xmpp/session/policy';
import { effectivePolicy, policyRefusal } from './effective';
import type { LoadedPolicy } from './load';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bastion-effective-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILE = '/etc/bastion/policy.json';
const loaded = (policy: AdminPolicy): LoadedPolicy => ({ status: 'loaded', file: FILE, sources: [FILE], policy, notes: [] });
/** Development variables set to something else than the policy says, to prove the policy wins. */
const DEV_ENV: NodeJS.ProcessEnv = {
  BASTION_TRUST_ANCHORS: '/dev/env-anchors.pem',
  BASTION_DNS_SERVERS: '192.0.2.1',
  BASTION_PKCS11_MODULE: '/dev/env-module.so',
  BASTION_CARD_REMOVAL: 'keep',
  BASTION_HISTORY: 'off',
  BASTION_HISTORY_DAYS: '3',
};
const sessionEnv = (policy: AdminPolicy, env: NodeJS.ProcessEnv = DEV_ENV) => nodeSessionEnvironment({ stateDir: dir, env, policy: loaded(policy) });

describe('each policy key is enforced where the session core reads it [UCR-G3]', () => {
  it('[UCR-S1] allowedDomains → SessionPolicy.allowedDomains (lower-cased; establish refuses other domains)', () => {
    expect(sessionEnv({ allowedDomains: ['Chat.Example.mil'] }).policy.allowedDomains).toEqual(['chat.example.mil']);
    expect(sessionEnv({}).policy.allowedDomains).toBeUndefined();
  });

  it('trustAnchors → the PEM bundle the session loads, over BASTION_TRUST_ANCHORS', async () => {
    const pem = path.join(dir, 'roots.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    await expect(sessionEnv({ trustAnchors: pem }).loadTrustAnchors()).resolves.toContain('BEGIN CERTIFICATE');
    await expect(sessionEnv({}).loadTrustAnchors()).rejects.toThrow(/\/dev\/env-anchors\.pem/);
    await expect(sessionEnv({ trustAnchors: path.join(dir, 'missing.pem') }).loadTrustAnchors()).rejects.toThrow(/missing\.pem .*set by the admin policy/);
  });

  it('pkcs11Modules → only these modules, over BASTION_PKCS11_MODULE', () => {
    expect(sessionEnv({ pkcs11Modules: ['/opt/cac/p11.so'] }).cards).toMatchObject({ modulePaths: ['/opt/cac/p11.so'], modulesOnly: true });
    const dev = sessionEnv({}).cards;
    expect(dev.modulePaths).toEqual(['/dev/env-module.so']);
    expect(dev.modulesOnly).toBeUndefined();
  });

  it('authMethods → what connect accepts, and the SASL mechanisms of the other methods are removed too', () => {
    const card = sessionEnv({ authMethods: ['card'] });
    expect(card.policy.mechanisms).toEqual(['EXTERNAL']);
    expect(policyRefusal(card.admin, 'password')).toMatch(/does not allow signing in with a password; allowed: a smart card \(CAC\)/);
    expect(policyRefusal(card.admin, 'pkcs12')).toMatch(/does not allow signing in with a certificate file/);
    expect(policyRefusal(card.admin, 'card')).toBeUndefined();
    expect(sessionEnv({ authMethods: ['password'] }).policy.mechanisms).not.toContain('EXTERNAL');
    expect(sessionEnv({}).policy.mechanisms).toEqual(MECHANISM_NAMES);
  });

  it('minTlsVersion → SessionPolicy.tls.minVersion', () => {
    expect(sessionEnv({ minTlsVersion: '1.3' }).policy.tls.minVersion).toBe('1.3');
    expect(sessionEnv({}).policy.tls.minVersion).toBe(DEFAULT_SESSION_POLICY.tls.minVersion);
  });

  it('revocation → SessionPolicy.revocation (hard → hard-fail)', () => {
    expect(sessionEnv({ revocation: 'hard' }).policy.revocation).toBe('hard-fail');
    expect(sessionEnv({ revocation: 'off' }).policy.revocation).toBe('off');
    expect(sessionEnv({}).policy.revocation).toBe('soft-fail');
  });

  it('cardRemoval → what a pulled card does, over BASTION_CARD_REMOVAL', () => {
    expect(sessionEnv({ cardRemoval: 'terminate' }).onCardRemoval).toBe('terminate');
    expect(sessionEnv({}).onCardRemoval).toBe('keep');
  });

  it('history → the store’s history policy, over BASTION_HISTORY / BASTION_HISTORY_DAYS', () => {
    expect(sessionEnv({ history: { enabled: true, retentionDays: 90 } }).history).toEqual({ enabled: true, retentionDays: 90 });
    expect(sessionEnv({ history: { enabled: true } }).history).toEqual({ enabled: true });
    expect(sessionEnv({}).history).toEqual({ enabled: false, retentionDays: 3 });
  });

  it('compression → SessionPolicy.compression', () => {
    expect(sessionEnv({ compression: 'allowed' }).policy.compression).toBe('allowed');
    expect(sessionEnv({}).policy.compression).toBe('off');
  });

  it('dnsServers → SessionPolicy.dnsServers, over BASTION_DNS_SERVERS ([] = the system’s)', () => {
    expect(sessionEnv({ dnsServers: ['10.0.0.53:5353'] }).policy.dnsServers).toEqual(['10.0.0.53:5353']);
    expect(sessionEnv({ dnsServers: [] }).policy.dnsServers).toEqual([]);
    expect(sessionEnv({}).policy.dnsServers).toEqual(['192.0.2.1']);
  });

  it('consentBanner, classificationBanner and passwordSaving are in the effective policy the UI reads', () => {
    const v = sessionEnv({ consentBanner: 'Seat 42 banner', classificationBanner: { text: 'CUI', foreground: '#ffffff', background: '#502b85' }, passwordSaving: 'never' }).admin;
    expect(v?.effective).toMatchObject({ consentBanner: 'Seat 42 banner', classificationBanner: { text: 'CUI' }, passwordSaving: 'never' });
    expect(sessionEnv({}).admin?.effective).toMatchObject({ consentBanner: DOD_CONSENT_BANNER, classificationBanner: null, passwordSaving: 'never' });
  });
});

describe('the policy view (getPolicy)', () => {
  it('lists exactly the keys the admin set as managed, and fits the IPC contract', () => {
    const v = effectivePolicy(loaded({ $schema: 'https://example.mil/bastion.json', minTlsVersion: '1.3', history: { enabled: false } }), {});
    expect(v.managed).toEqual(['minTlsVersion', 'history']);
    expect(policyViewSchema.parse(v)).toEqual(v);
  });

  it('a broken policy enforces nothing, shows the defaults and the error, and refuses every sign-in', () => {
    const v = effectivePolicy({ status: 'broken', file: FILE, sources: [FILE], error: 'admin policy /etc/bastion/policy.json: $.x: unknown key', notes: [] }, {});
    expect(v).toMatchObject({ status: 'broken', managed: [], error: expect.stringContaining('$.x: unknown key') });
    expect(policyViewSchema.parse(v)).toEqual(v);
    for (const m of ['password', 'card', 'pkcs12'] as const) expect(policyRefusal(v, m)).toMatch(/admin policy is broken.*\/etc\/bastion\/policy\.json: \$\.x: unknown key/);
  });
});
