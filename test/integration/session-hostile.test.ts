// Session initiation against a HAND-WRITTEN FAKE server (test/support/fakes/xmpp-fake.ts) for
// hostile behaviour that Prosody and ejabberd cannot be made to show. The fake listens on
// testAddress(3):5222; a private DNS server in this file points the test domains at it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../electron/main/tls/testing/pki';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { SessionFailure } from '../../electron/main/xmpp/session/failure';
import { DEFAULT_SESSION_POLICY } from '../../electron/main/xmpp/session/policy';
import { streamHeader } from '../../electron/main/xmpp/stream/xml-stream';
import { startFakeXmppServer, type FakeBehaviour, type FakeServer } from '../support/fakes/xmpp-fake';
import { startDns, type TestDnsServer } from '../support/testbed/dns.js';
import { testAddress } from '../support/testbed/net.js';

const HOST = testAddress(3);
let pki: TestPki;
let fake: FakeServer;
let dns: TestDnsServer;

function good(): FakeBehaviour {
  return { advertiseStarttls: true, onStarttls: 'proceed', tls: { key: pki.keyPem('server'), cert: pki.certPem('server') } };
}

async function connect(account = 'alice@example.test', trust = pki.caPem, stepTimeoutMs = 5000): Promise<SessionFailure> {
  const err = await establishSession({
    account,
    auth: { kind: 'password', password: 'secret-pw' },
    trustAnchorsPem: trust,
    policy: { ...DEFAULT_SESSION_POLICY, dnsServers: [dns.address], stepTimeoutMs },
  }).catch((e: unknown) => e);
  if (!(err instanceof SessionFailure)) throw new Error(`expected a SessionFailure, got ${String(err)}`);
  return err;
}

const last = () => {
  const c = fake.connections[fake.connections.length - 1];
  if (!c) throw new Error('no connection reached the fake');
  return c;
};

beforeAll(async () => {
  pki = makeTestPki();
  fake = await startFakeXmppServer(HOST, 'example.test', { advertiseStarttls: true, onStarttls: 'proceed', tls: { key: '', cert: '' } });
  dns = await startDns({
    zone: {
      '_xmpp-client._tcp.example.test': { SRV: [{ priority: 0, weight: 0, port: 5222, target: 'fake.example.test' }] },
      'fake.example.test': { A: [HOST] },
      'other.test': { A: [HOST] },
    },
  });
});

afterAll(async () => {
  await fake?.close();
  await dns?.close();
  pki?.cleanup();
});

beforeEach(() => {
  fake.behaviour = good();
  fake.connections.length = 0;
});

describe('hostile servers (hand-written fake)', () => {
  it('[UCR-T1] sends <starttls/> even when the server does not advertise it, and gets TLS', async () => {
    fake.behaviour = { ...good(), advertiseStarttls: false };
    const f = await connect();
    // The fake offers no SASL mechanism after TLS, so the session stops there — after TLS.
    expect(f.stage).toBe('sasl');
    expect(f.report.starttls).toEqual({ advertised: false, result: 'proceed' });
    expect(f.report.tls?.version).toBe('TLS1.3');
    expect(last().tlsEstablished).toBe(true);
  });

  it('[IMPP-P3] only the stream header and <starttls/> cross the wire before TLS; no JID, no credentials', async () => {
    await connect();
    const c = last();
    expect(c.plaintext).toBe(streamHeader({ to: 'example.test' }) + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    expect(c.plaintext).not.toContain('alice');
    expect(c.secure).toContain("from='alice@example.test'");
  });

  it('[UCR-T3] a refused STARTTLS terminates the session; nothing is sent in plaintext after it', async () => {
    fake.behaviour = { ...good(), onStarttls: 'failure' };
    const f = await connect();
    expect(f.stage).toBe('starttls');
    expect(f.message).toMatch(/refused STARTTLS.*no plaintext/);
    await last().closed;
    expect(last().plaintext).toBe(streamHeader({ to: 'example.test' }) + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    expect(fake.connections).toHaveLength(1);
  });

  it('[UCR-T3] a server that ignores <starttls/> and offers plaintext SASL is left at once', async () => {
    fake.behaviour = { ...good(), advertiseStarttls: false, onStarttls: 'plaintext-features' };
    const f = await connect();
    expect(f.stage).toBe('starttls');
    await last().closed;
    expect(last().plaintext).not.toContain('<auth');
  });

  it('[UCR-T3] refuses plaintext injected after <proceed/>', async () => {
    fake.behaviour = { ...good(), injectAfterProceed: "<message from='evil@example.test'><body>injected</body></message>" };
    const f = await connect();
    expect(f.stage).toBe('starttls');
    expect(f.message).toMatch(/after <proceed\/>/);
  });

  it('[UCR-T3][UCR-T7] a TLS 1.1-only server: terminated, never retried with an older version', async () => {
    fake.behaviour = { ...good(), tls: { ...good().tls, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } };
    const f = await connect();
    expect(f.stage).toBe('tls');
    expect(f.message).toMatch(/TLS could not be established.*protocol-version/);
    expect(fake.connections).toHaveLength(1);
    expect(last().tlsEstablished).toBe(false);
  });

  it('[UCR-T7] a server with only CBC suites without forward secrecy is refused', async () => {
    fake.behaviour = { ...good(), tls: { ...good().tls, maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA:AES256-SHA' } };
    const f = await connect();
    expect(f.stage).toBe('tls');
    expect(last().tlsEstablished).toBe(false);
  });

  it('[UCR-T4] a certificate from a CA that is not a configured anchor is refused', async () => {
    fake.behaviour = { ...good(), tls: { key: pki.keyPem('rogue'), cert: pki.certPem('rogue') } };
    const f = await connect();
    expect(f.stage).toBe('tls');
    expect(f.message).toMatch(/untrusted|not trusted|issuer|signer/i);
    expect(last().secure).toBe('');
  });

  it('[UCR-T3] an expired server certificate is refused', async () => {
    fake.behaviour = { ...good(), tls: { key: pki.keyPem('expired'), cert: pki.certPem('expired') } };
    const f = await connect();
    expect(f.stage).toBe('tls');
    expect(f.message).toMatch(/expired/i);
  });

  it('[UCR-A3][UCR-N3] a certificate that does not name the JID domain is refused', async () => {
    // DNS sends other.test to the fake, whose certificate is for example.test.
    const f = await connect('alice@other.test');
    expect(f.stage).toBe('server-identity');
    expect(f.message).toMatch(/not valid for other\.test/);
    expect(last().secure).toBe('');
  });

  it('[IMPP-D1] malformed XML from the server ends the stream cleanly', async () => {
    fake.behaviour = { ...good(), preTlsFeatures: '<stream:features><a></b></stream:features>' };
    const f = await connect();
    expect(f.stage).toBe('starttls');
    expect(f.message).toMatch(/not-well-formed/);
  });

  it('[IMPP-D1] an oversized stanza from the server ends the stream cleanly', async () => {
    fake.behaviour = { ...good(), afterTls: `<stream:features><x>${'A'.repeat(5 * 1024 * 1024)}</x></stream:features>` };
    // 4 MiB must cross TLS before the limit trips: on a loaded 2-core machine that alone can take
    // longer than the usual 5 s step, which would end the test with a timeout instead.
    const f = await connect(undefined, undefined, 30_000);
    expect(f.stage).toBe('sasl');
    expect(f.message).toMatch(/policy-violation/);
    // The client stops reading mid-stanza; whether its stream error reaches a peer that is
    // still writing depends on TCP (unread data turns the close into a reset), so only the
    // close itself is asserted.
    await last().closed;
  });
});
