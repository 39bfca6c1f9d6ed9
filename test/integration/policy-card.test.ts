// A CAC-only seat, end to end through the core: the policy allows only the smart card and names
// the PKCS#11 module (the test bed's SoftHSM2 token stands in for the CAC); the development
// variable names another module and is overridden. A password is refused before any network
// use; the card signs in with SASL EXTERNAL on the real servers. One core per file: the card
// service is one PKCS#11 owner per process (see cac-login.cases.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cards, CardToken } from '../../shared/ipc';
import type { PolicyView } from '../../shared/policy/schema';
import type { SecurityReport } from '../../shared/security/report';
import { account } from '../support/clients';
import { SOFTHSM_MODULE } from '../support/core-harness';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';
import { startPolicyCore, type PolicyCore } from './policy-core';

let c: PolicyCore;
let token: CardToken;

beforeAll(async () => {
  c = startPolicyCore({ policy: { authMethods: ['card'], pkcs11Modules: [SOFTHSM_MODULE] }, env: { BASTION_PKCS11_MODULE: '/nonexistent/env-module.so' } });
  await c.call('acknowledgeConsent');
  const cards = (await c.call('listCards')).value as Cards;
  const t = cards.tokens.find((x) => x.label === getTestbed().hsm.label);
  if (!t) throw new Error(`test-bed token not listed: ${JSON.stringify(cards)}`);
  token = t;
});
afterAll(async () => {
  await c?.close();
});

const aliceCert = (): string => {
  const id = getTestbed().hsm.keys.find((k) => k.label === 'alice')?.id;
  if (!id) throw new Error('no alice key on the token');
  return id;
};

describe('CAC-only seat (authMethods ["card"], pkcs11Modules from policy)', () => {
  it('[UCR-G3] pkcs11Modules: the policy’s module is loaded, not BASTION_PKCS11_MODULE’s', async () => {
    const cards = (await c.call('listCards')).value as Cards;
    expect(cards.module).toEqual({ path: SOFTHSM_MODULE, source: 'policy' });
    const view = (await c.call('getPolicy')).value as PolicyView;
    expect(view).toMatchObject({ status: 'loaded', managed: ['pkcs11Modules', 'authMethods'], effective: { authMethods: ['card'], pkcs11Modules: [SOFTHSM_MODULE] } });
  });

  describe.each<ServerKind>(['prosody', 'ejabberd'])('%s', (kind) => {
    it('[UCR-G3] a password is refused with invalid-state before any network use; the card signs in (SASL EXTERNAL)', async () => {
      const a = account(kind, 'alice');
      const before = (await c.call('getSecurityReport')).value as SecurityReport | null;
      expect(await c.call('connect', { account: a.jid, auth: { kind: 'password', password: a.password } })).toEqual({
        ok: false,
        error: { code: 'invalid-state', message: 'the admin policy does not allow signing in with a password; allowed: a smart card (CAC)' },
      });
      expect((await c.call('getSecurityReport')).value).toEqual(before); // no new attempt was made
      const r = await c.call('connect', { account: a.jid, auth: { kind: 'card', slot: token.slot, certificateId: aliceCert(), pin: getTestbed().hsm.pin } });
      expect(r).toMatchObject({ ok: true });
      const report = (await c.call('getSecurityReport')).value as SecurityReport;
      await c.call('disconnect');
      expect(report.sasl?.mechanism).toBe('EXTERNAL');
    });
  });
});
