// The core applies the admin policy before anything touches the network: a broken policy or a
// sign-in method the policy forbids is refused with 'invalid-state' and a readable message;
// getPolicy tells the UI what is managed; the consent banner is the policy's. No test bed:
// every refusal here happens before DNS.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { policyViewSchema, type AdminPolicy } from '../../../shared/policy/schema';
import type { AuditEvent, AuditSink } from '../audit/sink';
import { createCardManager } from '../core/card-manager';
import { createCore } from '../core/core';
import { nodeCoreDeps } from '../core/node-deps';
import { nodeSessionEnvironment } from '../core/session-env';
import { createEventHub } from '../ipc/events';
import { createDispatcher } from '../ipc/dispatcher';
import { defaultModuleCandidates } from '../pkcs11/module-paths';
import type { LoadedPolicy } from './load';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bastion-core-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FILE = '/etc/bastion/policy.json';

function core(loaded: LoadedPolicy) {
  const audit: AuditEvent[] = [];
  const sink: AuditSink = { record: (e) => void audit.push(e) };
  const c = createCore(nodeCoreDeps('cli', dir, { session: nodeSessionEnvironment({ stateDir: dir, env: {}, policy: loaded }), audit: sink }));
  const d = createDispatcher({ handlers: c.handlers, log: { error: () => undefined } });
  return { audit, call: (name: string, input: unknown = {}) => d.dispatch(name, input, { sender: 'test' }), dispose: () => c.dispose() };
}
const withPolicy = (policy: AdminPolicy) => core({ status: 'loaded', file: FILE, sources: [FILE], policy, notes: [] });
const BROKEN: LoadedPolicy = { status: 'broken', file: FILE, sources: [FILE], error: `admin policy ${FILE}: not valid JSON at line 4, column 3: Expected ',' or '}'`, notes: [] };
const PASSWORD = { kind: 'password', password: 'hunter2-never-logged' } as const;
const CARD = { kind: 'card', slot: '1', certificateId: '01', pin: '123456' } as const;

describe('admin policy in the core [UCR-G3]', () => {
  it('a broken policy: connect and registerAccount are refused with the error and where it is; getPolicy shows it', async () => {
    const c = core(BROKEN);
    await c.call('acknowledgeConsent');
    for (const auth of [PASSWORD, CARD]) {
      expect(await c.call('connect', { account: 'alice@example.mil', auth })).toEqual({
        ok: false,
        error: { code: 'invalid-state', message: expect.stringMatching(/admin policy is broken.*\/etc\/bastion\/policy\.json: not valid JSON at line 4, column 3/) },
      });
    }
    expect(await c.call('registerAccount', { account: 'new@example.mil', password: 'long-enough-pw' })).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    const view = await c.call('getPolicy');
    expect(view).toMatchObject({ ok: true, value: { status: 'broken', file: FILE, managed: [], error: BROKEN.status === 'broken' ? BROKEN.error : '' } });
    expect(policyViewSchema.safeParse(view.ok && view.value).success).toBe(true);
    expect(c.audit[0]).toMatchObject({ type: 'policy-load', outcome: 'failure', detail: { status: 'broken', error: expect.stringContaining('line 4') } });
    expect(c.audit.filter((e) => e.type === 'login')).toEqual([
      expect.objectContaining({ outcome: 'refused', account: 'alice@example.mil', detail: expect.objectContaining({ method: 'password', stage: 'policy' }) }),
      expect.objectContaining({ outcome: 'refused', detail: expect.objectContaining({ method: 'card' }) }),
      expect.objectContaining({ outcome: 'refused', account: 'new@example.mil' }),
    ]);
    await c.dispose();
  });

  it('the policy is checked before consent: a broken seat says so at once', async () => {
    const c = core(BROKEN);
    expect(await c.call('connect', { account: 'alice@example.mil', auth: PASSWORD })).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    await c.dispose();
  });

  it('authMethods ["card"] (CAC only): a password or a certificate file is refused before any network use', async () => {
    const c = withPolicy({ authMethods: ['card'] });
    await c.call('acknowledgeConsent');
    expect(await c.call('connect', { account: 'alice@example.mil', auth: PASSWORD })).toEqual({
      ok: false,
      error: { code: 'invalid-state', message: 'the admin policy does not allow signing in with a password; allowed: a smart card (CAC)' },
    });
    expect(await c.call('connect', { account: 'alice@example.mil', auth: { kind: 'pkcs12', fileBase64: 'AAAA', password: 'x' } })).toMatchObject({
      ok: false,
      error: { code: 'invalid-state', message: expect.stringContaining('a certificate file') },
    });
    expect(await c.call('registerAccount', { account: 'new@example.mil', password: 'long-enough-pw' })).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    // A card is allowed: it gets past the policy (and fails later, at the card: none here).
    const card = await c.call('connect', { account: 'alice@example.mil', auth: CARD });
    expect(card.ok).toBe(false);
    expect(!card.ok && card.error.code).not.toBe('invalid-state');
    expect(await c.call('getPolicy')).toMatchObject({ ok: true, value: { status: 'loaded', managed: ['authMethods'], effective: { authMethods: ['card'] } } });
    await c.dispose();
  });

  it('consentBanner: getConsent shows the policy’s text; the acknowledgement is audited with its hash', async () => {
    const c = withPolicy({ consentBanner: 'Seat banner: monitored system.' });
    expect(await c.call('getConsent')).toEqual({ ok: true, value: { text: 'Seat banner: monitored system.', acknowledged: false } });
    await c.call('acknowledgeConsent');
    expect(c.audit.find((e) => e.type === 'consent-acknowledged')).toEqual({
      type: 'consent-acknowledged',
      outcome: 'success',
      detail: { banner: 'admin-policy', textSha256: createHash('sha256').update('Seat banner: monitored system.').digest('hex') },
    });
    await c.dispose();
  });

  it('no policy: every method allowed, nothing managed, the DoD banner', async () => {
    const c = core({ status: 'none', file: FILE, sources: [], policy: {}, notes: [] });
    expect(await c.call('getPolicy')).toMatchObject({ ok: true, value: { status: 'none', managed: [], effective: { authMethods: ['password', 'card', 'pkcs12'] } } });
    const consent = await c.call('getConsent');
    expect(consent.ok && (consent.value as { text: string }).text).toMatch(/^You are accessing a U\.S\. Government/);
    await c.dispose();
  });

  it('pkcs11Modules: only the policy’s modules are used, even where a default module exists', async () => {
    // This machine has a default module (p11-kit proxy or OpenSC); without modulesOnly it would be chosen.
    expect(defaultModuleCandidates().some((m) => existsSync(m.path))).toBe(true);
    const env = nodeSessionEnvironment({ stateDir: dir, env: {}, policy: { status: 'loaded', file: FILE, sources: [FILE], policy: { pkcs11Modules: ['/nonexistent/cac-p11.so'] }, notes: [] } });
    const cards = createCardManager(env.cards, createEventHub({ validate: true }));
    expect(await cards.list()).toMatchObject({ module: null, problem: expect.stringContaining('no PKCS#11 module found'), tokens: [] });
    await cards.dispose();
  });
});
