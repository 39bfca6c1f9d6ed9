// Session initiation against the real servers of the test bed: fresh DNS, STARTTLS on 5222,
// TLS through the GnuTLS engine, SASL, bind — and the security report that comes out of it.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { SessionFailure } from '../../electron/main/xmpp/session/failure';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../../electron/main/xmpp/session/policy';
import { securityReportSchema } from '../../shared/security/report';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind, TestbedInfo } from '../support/testbed/info.js';

const KINDS: readonly ServerKind[] = ['prosody', 'ejabberd'];

function policyFor(info: TestbedInfo, extra: Partial<SessionPolicy> = {}): SessionPolicy {
  return { ...DEFAULT_SESSION_POLICY, dnsServers: [`${info.dns.host}:${info.dns.port}`], stepTimeoutMs: 10_000, ...extra };
}

function user(info: TestbedInfo, kind: ServerKind, name: string) {
  const a = info.accounts[kind].find((x) => x.username === name);
  if (!a) throw new Error(`no ${name} on ${kind}`);
  return a;
}

describe.each(KINDS)('session initiation on %s', (kind) => {
  it('[UCR-T1][UCR-A1][UCR-A4] password login: STARTTLS, TLS, SCRAM, bind — and the report says so', async () => {
    const info = getTestbed();
    const alice = user(info, kind, 'alice');
    const ca = await readFile(info.pki.caCert, 'utf8');
    const s = await establishSession({ account: alice.jid, auth: { kind: 'password', password: alice.password }, trustAnchorsPem: ca, policy: policyFor(info) });
    try {
      const r = s.report;
      // Bastion asks for "bastion-<random>" (RFC 6120 bind) or tags itself "bastion" (Bind2: the server adds a suffix).
      expect(s.jid).toMatch(new RegExp(`^${alice.jid}/bastion[-~]`));
      expect(r.outcome).toBe('established');
      expect(r.starttls).toEqual({ advertised: true, result: 'proceed' });
      expect(r.tls).toMatchObject({ encrypted: true, version: 'TLS1.3', nameMatch: { type: 'DNS-ID', reference: info.servers[kind].domain } });
      expect(r.tls?.cipherSuite).toMatch(/^TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)$/);
      expect(r.tls?.anchor?.subject).toContain('CN=');
      expect(r.tls?.peerChain[0]?.subjectAltName).toContain(`DNS:${info.servers[kind].domain}`);
      expect(r.sasl?.mechanism).toMatch(/^SCRAM-SHA-(1|256)(-PLUS)?$/);
      // Prosody (prosody-modules) offers SASL2 + Bind2; ejabberd 23.01 does not.
      expect(r.sasl?.profile).toBe(kind === 'prosody' ? 'SASL2+Bind2' : 'SASL');
      expect(securityReportSchema.parse(r)).toEqual(r);
      expect(r.connection).toMatchObject({ address: info.servers[kind].host, port: 5222 });
      expect(r.dns?.queries.map((q) => q.type)).toEqual(['SRV', 'A', 'AAAA']);
      expect(JSON.stringify(r)).not.toContain(alice.password);
    } finally {
      await s.stream.close();
    }
  });

  it('[R7590-SR] no TLS session resumption: every connect is a full handshake that authenticates the server again', async () => {
    const info = getTestbed();
    const alice = user(info, kind, 'alice');
    const ca = await readFile(info.pki.caCert, 'utf8');
    for (let i = 0; i < 2; i++) {
      const s = await establishSession({ account: alice.jid, auth: { kind: 'password', password: alice.password }, trustAnchorsPem: ca, policy: policyFor(info) });
      try {
        expect(s.report.tls?.resumed).toBe(false);
        expect(s.report.tls?.peerChain.length).toBeGreaterThan(0);
        expect(s.report.tls?.nameMatch?.type).toBe('DNS-ID');
      } finally {
        await s.stream.close();
      }
    }
  });

  it('[UCR-A2] a wrong password terminates the session with a clear reason', async () => {
    const info = getTestbed();
    const alice = user(info, kind, 'alice');
    const ca = await readFile(info.pki.caCert, 'utf8');
    const err = await establishSession({ account: alice.jid, auth: { kind: 'password', password: 'wrong' }, trustAnchorsPem: ca, policy: policyFor(info) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionFailure);
    const f = err as SessionFailure;
    expect(f.stage).toBe('sasl');
    expect(f.message).toMatch(/authentication failed.*not-authorized/);
    expect(f.report.outcome).toBe('failed');
  });
});

describe('session initiation: classic SASL where SASL2 is switched off', () => {
  it('[UCR-A4] Prosody with policy sasl2=false: RFC 6120 SASL, restart and bind', async () => {
    const info = getTestbed();
    const alice = user(info, 'prosody', 'alice');
    const s = await establishSession({
      account: alice.jid,
      auth: { kind: 'password', password: alice.password },
      trustAnchorsPem: await readFile(info.pki.caCert, 'utf8'),
      policy: policyFor(info, { sasl2: false }),
      resource: 'desk',
    });
    try {
      expect(s.report.sasl?.profile).toBe('SASL');
      expect(s.jid).toBe(`${alice.jid}/desk`);
    } finally {
      await s.stream.close();
    }
  });
});

describe('session initiation: policy', () => {
  it('[UCR-S1] refuses a domain the policy does not allow, before any network use', async () => {
    const info = getTestbed();
    const err = await establishSession({
      account: 'alice@elsewhere.test',
      auth: { kind: 'password', password: 'x' },
      trustAnchorsPem: await readFile(info.pki.caCert, 'utf8'),
      policy: policyFor(info, { allowedDomains: ['prosody.test'] }),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ stage: 'policy' });
    expect((err as SessionFailure).report.dns).toBeUndefined();
  });

  it('[UCR-T4] refuses the real server when the configured anchor is another CA', async () => {
    const info = getTestbed();
    const alice = user(info, 'prosody', 'alice');
    // Any valid CA that did not issue the server's certificate: the client certificate's own
    // self-view is not a CA, so use the server chain's leaf as an (unrelated) anchor.
    const unrelated = await readFile(info.pki.clients.alice?.cert ?? '', 'utf8');
    const err = await establishSession({ account: alice.jid, auth: { kind: 'password', password: alice.password }, trustAnchorsPem: unrelated, policy: policyFor(info) }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ stage: 'tls' });
    expect((err as SessionFailure).message).toMatch(/TLS could not be established/);
  });
});
