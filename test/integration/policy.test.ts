// The admin policy file enforced end to end through the real core (built as Node hosts build
// it: nodeSessionEnvironment reads the file, test/integration/policy-core.ts) against the real
// Prosody and ejabberd of the test bed. Each key that touches the network is proven by a pair:
// with the key the behaviour changes, without it (or with the development variable saying
// otherwise) it does not — so a policy key that were silently ignored fails here.
// One HAND-WRITTEN FAKE server (test/support/fakes/xmpp-fake.ts), for minTlsVersion: it speaks
// at most TLS 1.2, which the test bed's servers (TLS 1.3) cannot be made to do per test.
import path from 'node:path';
import xml from '@xmpp/xml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ImUpdate } from '../../shared/ipc';
import type { PolicyView } from '../../shared/policy/schema';
import type { SecurityReport } from '../../shared/security/report';
import { makeTestPki, type TestPki } from '../../electron/main/tls/testing/pki';
import { account, waitFor } from '../support/clients';
import { startFakeXmppServer, type FakeServer } from '../support/fakes/xmpp-fake';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import { startDns, type TestDnsServer } from '../support/testbed/dns.js';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';
import { testAddress } from '../support/testbed/net.js';
import { startPolicyCore, type PolicyCore } from './policy-core';

const cores: PolicyCore[] = [];
// A throwaway PKI: its CA is "an unrelated CA" for the test-bed servers, and it issues the fake's certificate.
let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki?.cleanup());
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  await closeFreshSessions();
});

async function core(policy: object | string | undefined, env: NodeJS.ProcessEnv = {}): Promise<PolicyCore> {
  const c = startPolicyCore({ ...(policy !== undefined ? { policy } : {}), env });
  cores.push(c);
  expect((await c.call('acknowledgeConsent')).ok).toBe(true);
  return c;
}

async function passwordLogin(c: PolicyCore, kind: ServerKind, user = 'alice') {
  const a = account(kind, user);
  return c.call('connect', { account: a.jid, auth: { kind: 'password', password: a.password } });
}
const report = async (c: PolicyCore): Promise<SecurityReport> => (await c.call('getSecurityReport')).value as SecurityReport;

describe('admin policy enforced through the core (real servers)', () => {
  it('[UCR-S1][UCR-G3] allowedDomains: an account on another domain is refused before DNS; an allowed one signs in', async () => {
    const c = await core({ allowedDomains: ['prosody.test'] });
    const refused = await passwordLogin(c, 'ejabberd');
    expect(refused).toMatchObject({ ok: false, error: { code: 'connection-failed', message: 'policy does not allow the domain ejabberd.test' } });
    const r = await report(c);
    expect(r.failure?.stage).toBe('policy');
    expect(r.dns).toBeUndefined(); // nothing was looked up, nothing dialed
    expect(await passwordLogin(c, 'prosody')).toMatchObject({ ok: true });
    await c.call('disconnect');
    // Control: without the key the same ejabberd account signs in.
    const open = await core(undefined);
    expect(await passwordLogin(open, 'ejabberd')).toMatchObject({ ok: true });
    await open.call('disconnect');
  });

  it('[UCR-G3] trustAnchors: the policy’s bundle is the one trusted, whatever BASTION_TRUST_ANCHORS says', async () => {
    const tb = getTestbed();
    // Policy: the test bed CA; the variable: an unrelated CA. The policy wins: connected.
    const good = await core({ trustAnchors: tb.pki.caCert }, { BASTION_TRUST_ANCHORS: pki.file('otherca.crt') });
    expect(await passwordLogin(good, 'prosody')).toMatchObject({ ok: true });
    await good.call('disconnect');
    // Policy: an unrelated CA; the variable: the right one. The policy wins: refused at TLS.
    const bad = await core({ trustAnchors: pki.file('otherca.crt') }, { BASTION_TRUST_ANCHORS: tb.pki.caCert });
    expect(await passwordLogin(bad, 'prosody')).toMatchObject({ ok: false, error: { code: 'connection-failed' } });
    expect((await report(bad)).failure?.stage).toBe('tls');
    // The audit log has it as a TLS failure of that account.
    expect(bad.audit()).toContainEqual(expect.objectContaining({ type: 'tls-failure', outcome: 'failure', account: 'alice@prosody.test', detail: expect.objectContaining({ stage: 'tls' }) }));
  });

  it('[UCR-G3] dnsServers: the policy’s DNS server is asked, whatever BASTION_DNS_SERVERS says', async () => {
    const tb = getTestbed();
    const testbedDns = `${tb.dns.host}:${tb.dns.port}`;
    const silent = `${testAddress(84)}:53`; // nothing listens there
    const good = await core({ dnsServers: [testbedDns] }, { BASTION_DNS_SERVERS: silent });
    expect(await passwordLogin(good, 'ejabberd')).toMatchObject({ ok: true });
    expect((await report(good)).dns?.servers).toEqual([testbedDns]);
    await good.call('disconnect');
    const bad = await core({ dnsServers: [silent] }, { BASTION_DNS_SERVERS: testbedDns });
    expect(await passwordLogin(bad, 'ejabberd')).toMatchObject({ ok: false, error: { code: 'connection-failed' } });
    expect(await report(bad)).toMatchObject({ failure: { stage: 'dns' }, dns: { servers: [silent] } });
  });

  it('[UCR-G3] revocation "hard": the test bed’s certificates name no OCSP responder or CRL, so hard-fail refuses them; the default soft-fail connects', async () => {
    const hard = await core({ revocation: 'hard' });
    expect(await passwordLogin(hard, 'prosody')).toMatchObject({ ok: false, error: { code: 'connection-failed' } });
    expect((await report(hard)).failure?.stage).toBe('revocation');
    const soft = await core({});
    expect(await passwordLogin(soft, 'prosody')).toMatchObject({ ok: true });
    expect((await report(soft)).tls?.revocation?.status).not.toBe('good');
    await soft.call('disconnect');
  });

  it('[UCR-G3] compression "allowed" reaches the session: ejabberd’s zlib is taken up; with "off" it is not', async () => {
    const on = await core({ compression: 'allowed' });
    expect(await passwordLogin(on, 'ejabberd')).toMatchObject({ ok: true });
    expect((await report(on)).notes.join('\n')).toMatch(/stream compression \(XEP-0138, zlib\) is in use/);
    await on.call('disconnect');
    const off = await core({ compression: 'off' });
    expect(await passwordLogin(off, 'ejabberd')).toMatchObject({ ok: true });
    expect((await report(off)).notes.join('\n')).toMatch(/not negotiated because policy has it off/);
    await off.call('disconnect');
  });

  it('[UCR-G3] history {enabled: false}: a conversation leaves nothing in the history, over BASTION_HISTORY', async () => {
    const storeKey = 'ab'.repeat(32);
    for (const enabled of [false, true]) {
      const [alice, bob] = await Promise.all([freshAccount('prosody', 'pol-a'), freshAccount('prosody', 'pol-b')]);
      const peer = await freshSession(bob);
      // The variable says the opposite of the policy each time.
      const c = await core({ history: { enabled } }, { BASTION_STORE_KEY: storeKey, BASTION_HISTORY: enabled ? 'off' : 'on' });
      expect(await c.call('connect', { account: alice.jid, auth: { kind: 'password', password: alice.password } })).toMatchObject({ ok: true });
      const body = `policy history ${enabled ? 'kept' : 'dropped'} ${Date.now()}`;
      expect(await c.call('sendMessage', { to: bob.jid, body })).toMatchObject({ ok: true });
      peer.send(xml('message', { to: alice.jid, type: 'chat', id: `m${Date.now()}` }, xml('body', {}, `${body} reply`)));
      const incoming = (): boolean =>
        c.events.some(([n, p]) => n === 'didUpdateIm' && (p as { updates: ImUpdate[] }).updates.some((u) => u.kind === 'message' && u.message.direction === 'in'));
      await waitFor([0], () => incoming(), 10_000);
      const history = (await c.call('getHistory', { peer: bob.jid, limit: 10 })).value as { messages: { body: string }[] };
      if (enabled) expect(history.messages.map((m) => m.body).sort()).toEqual([body, `${body} reply`]);
      else expect(history.messages).toEqual([]);
      await c.call('disconnect');
      await closeFreshSessions();
    }
  });
});

describe('minTlsVersion (hand-written fake that speaks at most TLS 1.2)', () => {
  const HOST = testAddress(83);
  let fake: FakeServer;
  let dns: TestDnsServer;
  beforeAll(async () => {
    fake = await startFakeXmppServer(HOST, 'example.test', {
      advertiseStarttls: true,
      onStarttls: 'proceed',
      tls: { key: pki.keyPem('server'), cert: pki.certPem('server'), maxVersion: 'TLSv1.2' },
    });
    dns = await startDns({
      zone: {
        '_xmpp-client._tcp.example.test': { SRV: [{ priority: 0, weight: 0, port: 5222, target: 'tls12.example.test' }] },
        'tls12.example.test': { A: [HOST] },
      },
    });
  });
  afterAll(async () => {
    await fake?.close();
    await dns?.close();
  });

  const fakePolicy = (extra: object) => ({ trustAnchors: pki.file('ca.crt'), dnsServers: [dns.address], ...extra });
  const fakeLogin = (c: PolicyCore) => c.call('connect', { account: 'alice@example.test', auth: { kind: 'password', password: 'not-used-here' } });

  it('[UCR-G3] "1.3": a TLS 1.2-only server is refused at the handshake; without the key TLS 1.2 is negotiated', async () => {
    const strict = await core(fakePolicy({ minTlsVersion: '1.3' }));
    expect(await fakeLogin(strict)).toMatchObject({ ok: false, error: { code: 'connection-failed' } });
    const r = await report(strict);
    expect(r.failure?.stage).toBe('tls');
    expect(fake.connections.at(-1)?.tlsEstablished).toBe(false);
    // Control: the default floor (1.2) completes the handshake; the fake then offers no SASL.
    const lax = await core(fakePolicy({}));
    await fakeLogin(lax);
    const r2 = await report(lax);
    expect(r2.tls?.version).toBe('TLS1.2');
    expect(r2.failure?.stage).toBe('sasl');
  });

  it('[UCR-G3] "1.3" against the real servers: TLS 1.3 is used', async () => {
    for (const kind of ['prosody', 'ejabberd'] as const) {
      const c = await core({ minTlsVersion: '1.3' });
      expect(await passwordLogin(c, kind)).toMatchObject({ ok: true });
      expect((await report(c)).tls?.version).toBe('TLS1.3');
      await c.call('disconnect');
    }
  });
});

describe('a broken policy file stops every connection, with the admin-facing error (real servers)', () => {
  it('[UCR-G3] malformed JSON: connect refused with the file and the line; getPolicy shows the error; the audit log says so', async () => {
    const c = await core('{\n  "minTlsVersion": "1.3",\n  "revocation": "hard"\n  "compression": "off"\n}\n');
    const file = path.join(c.stateDir, 'policy.json');
    const r = await passwordLogin(c, 'prosody');
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-state', message: expect.stringContaining(`admin policy ${file}: not valid JSON at line 4, column 3`) } });
    expect(await report(c)).toBeNull(); // nothing was attempted
    const view = (await c.call('getPolicy')).value as PolicyView;
    expect(view).toMatchObject({ status: 'broken', sources: [file], managed: [], error: expect.stringContaining('line 4, column 3') });
    expect(c.audit()[0]).toMatchObject({ type: 'policy-load', outcome: 'failure', detail: { status: 'broken', error: expect.stringContaining(file) } });
  });

  it('[UCR-G3] an unknown key: refused the same way, naming the key', async () => {
    const c = await core({ minTlsVersion: '1.3', allowedDomain: ['prosody.test'] });
    const r = await passwordLogin(c, 'prosody');
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-state', message: expect.stringContaining('$.allowedDomain: unknown key') } });
    expect(((await c.call('getPolicy')).value as PolicyView).error).toContain('$.allowedDomain: unknown key');
  });

  it('[UCR-G3] a valid policy: getPolicy lists the managed keys and where they came from; sign-in works under it', async () => {
    const c = await core({ minTlsVersion: '1.3', revocation: 'soft', compression: 'off' });
    const view = (await c.call('getPolicy')).value as PolicyView;
    expect(view).toMatchObject({ status: 'loaded', sources: [path.join(c.stateDir, 'policy.json')], managed: ['minTlsVersion', 'revocation', 'compression'], effective: { minTlsVersion: '1.3' } });
    expect(await passwordLogin(c, 'prosody')).toMatchObject({ ok: true });
    await c.call('disconnect');
  });
});
