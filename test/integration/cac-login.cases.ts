// CAC login end to end through the core: the SoftHSM2 token of the test bed stands in for the
// card (non-extractable RSA-2048 and EC P-256 keys); the TLS engine signs through the card
// worker; SASL EXTERNAL on the real Prosody and ejabberd. Also the PKCS#12 software
// certificate path [UCR-T6]. The shared token is only ever logged in with the right PIN here
// (wrong PINs and removal use private tokens: cac-card-events.test.ts).
//
// One card service per process (one PKCS#11 owner), so one core per test file: the same cases
// run once under TLS 1.3 (cac-login.test.ts) and once under TLS 1.2 (cac-login-tls12.test.ts).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cards, CardToken } from '../../shared/ipc';
import type { SecurityReport } from '../../shared/security/report';
import { startCore, type CoreHarness } from '../support/core-harness';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';

const EXPECTED_SIG: Record<'1.2' | '1.3', Record<'alice' | 'bob', RegExp>> = {
  // TLS 1.3 forbids PKCS#1 v1.5 in CertificateVerify: RSA cards must do PSS.
  '1.3': { alice: /^RSA-PSS-RSAE-SHA256$/, bob: /^ECDSA-SECP256R1-SHA256$/ },
  // TLS 1.2 lets the server pick PSS or PKCS#1 v1.5 (a card without PSS gets PKCS#1).
  '1.2': { alice: /^RSA-(PSS-RSAE|PKCS1)-SHA256$/, bob: /^ECDSA-SECP256R1-SHA256$/ },
};

export function defineCacLoginTests(tls: '1.2' | '1.3'): void {
  let h: CoreHarness;
  let token: CardToken;

  beforeAll(async () => {
    h = startCore((env) => ({ ...env, policy: { ...env.policy, tls: { minVersion: tls === '1.3' ? '1.3' : '1.2', maxVersion: tls } } }));
    await h.call('acknowledgeConsent', {});
    const cards = (await h.call('listCards', {})).value as Cards;
    const t = cards.tokens.find((x) => x.label === getTestbed().hsm.label);
    if (!t) throw new Error(`test-bed token not listed: ${JSON.stringify(cards)}`);
    token = t;
  });

  afterAll(async () => {
    await h?.close();
  });

  function certFor(name: 'alice' | 'bob') {
    const id = getTestbed().hsm.keys.find((k) => k.label === name)?.id;
    const c = token.certificates.find((x) => x.id === id);
    if (!c) throw new Error(`no ${name} certificate on the token`);
    return c;
  }

  it('[UCR-T5] lists the token and its certificates with the XMPP identities they map to', () => {
    expect(certFor('alice')).toMatchObject({ keyType: 'rsa', bits: 2048, usableForTls: true, xmppIdentity: { jid: 'alice@prosody.test', source: 'xmppAddr' } });
    expect(certFor('bob')).toMatchObject({ keyType: 'ec', bits: 256, usableForTls: true, xmppIdentity: { jid: 'bob@prosody.test', source: 'xmppAddr' } });
  });

  describe.each<ServerKind>(['prosody', 'ejabberd'])('%s', (kind) => {
    it.each(['alice', 'bob'] as const)(`[UCR-T5][UCR-A4] %s logs in with the key on the card: TLS ${tls} client certificate, SASL EXTERNAL`, async (name) => {
      const account = `${name}@${getTestbed().servers[kind].domain}`;
      const r = await h.call('connect', { account, auth: { kind: 'card', slot: token.slot, certificateId: certFor(name).id, pin: getTestbed().hsm.pin } });
      expect(r).toMatchObject({ ok: true, value: { jid: expect.stringMatching(new RegExp(`^${account}/`)) } });
      const report = (await h.call('getSecurityReport', {})).value as SecurityReport;
      await h.call('disconnect', {});
      expect(report.outcome).toBe('established');
      expect(report.tls?.version).toBe(`TLS${tls}`);
      expect(report.tls?.clientCertificate).toMatchObject({ sha256: certFor(name).fingerprint256, signAlgorithm: expect.stringMatching(EXPECTED_SIG[tls][name]) });
      expect(report.sasl?.mechanism).toBe('EXTERNAL');
    });

    it('[UCR-T6] logs in with a PKCS#12 software certificate; a wrong file password is refused before connecting', async () => {
      const tb = getTestbed();
      const p12 = tb.pki.clients.alice;
      if (!p12) throw new Error('no alice p12');
      const fileBase64 = readFileSync(p12.p12).toString('base64');
      const account = `alice@${tb.servers[kind].domain}`;
      const bad = await h.call('connect', { account, auth: { kind: 'pkcs12', fileBase64, password: 'nope' } });
      expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringContaining('password for the certificate file is wrong') } });
      const ok = await h.call('connect', { account, auth: { kind: 'pkcs12', fileBase64, password: p12.p12Password } });
      expect(ok).toMatchObject({ ok: true });
      const report = (await h.call('getSecurityReport', {})).value as SecurityReport;
      await h.call('disconnect', {});
      expect(report.tls?.version).toBe(`TLS${tls}`);
      expect(report.sasl?.mechanism).toBe('EXTERNAL');
      expect(report.tls?.clientCertificate?.subject).toContain('alice');
    });
  });
}
