// Certificate authentication [UCR-A4]: SASL EXTERNAL (XEP-0178) with the TLS client certificate,
// against the real Prosody and ejabberd of the test bed. The key is a PEM file of the test PKI,
// used only through the engine's clientIdentity hook (the synchronous sign(algo, data) callback)
// with the test-only software signer, exactly the way a CAC key is used through PKCS#11.
//
// Server behaviour worth knowing (test bed): Prosody offers EXTERNAL only when the client
// presented a certificate; ejabberd (tls_verify: true) advertises EXTERNAL to everybody.
//
// These sessions run TLS 1.3. TLS 1.2 client authentication (TlsPolicy.maxVersion '1.2', chosen
// up front for an RSA key without PSS) is covered on the real servers by cac-login-tls12.test.ts
// and tls-engine-identities.test.ts, and against openssl s_server in electron/main/tls.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../../electron/main/xmpp/session/policy';
import { softIdentityFromPem, type SoftIdentity } from '../support/soft-identity';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind, TestbedInfo } from '../support/testbed/info.js';
import { expectSessionFailure } from '../support/session';

const KINDS: readonly ServerKind[] = ['prosody', 'ejabberd'];
const CLIENTS = [
  { name: 'alice', key: 'RSA-2048', signAlgorithm: /^RSA-PSS-RSAE-SHA(256|384|512)$/ },
  { name: 'bob', key: 'EC P-256', signAlgorithm: /^ECDSA-SECP256R1-SHA256$/ },
] as const;

let info: TestbedInfo;
let ca: string;

function policy(extra: Partial<SessionPolicy> = {}): SessionPolicy {
  return { ...DEFAULT_SESSION_POLICY, dnsServers: [`${info.dns.host}:${info.dns.port}`], stepTimeoutMs: 10_000, ...extra };
}

function identity(name: string): SoftIdentity {
  const c = info.pki.clients[name];
  if (!c) throw new Error(`no client certificate ${name} in the test PKI`);
  return softIdentityFromPem(c.cert, c.key);
}

const failure = expectSessionFailure;

beforeAll(async () => {
  info = getTestbed();
  ca = await readFile(info.pki.caCert, 'utf8');
});

describe.each(KINDS)('SASL EXTERNAL on %s', (kind) => {
  it.each(CLIENTS)('[UCR-A4] $name ($key) logs in with the client certificate: EXTERNAL, certificate in the report, bound JID', async ({ name, signAlgorithm }) => {
    const domain = info.servers[kind].domain;
    const account = `${name}@${domain}`;
    const id = identity(name);
    const s = await establishSession({ account, auth: { kind: 'certificate', identity: id.identity }, trustAnchorsPem: ca, policy: policy() });
    try {
      const r = s.report;
      expect(r.outcome).toBe('established');
      expect(r.sasl?.mechanism).toBe('EXTERNAL');
      expect(r.sasl?.offered).toContain('EXTERNAL');
      expect(r.sasl?.channelBinding).toBeUndefined();
      expect(s.jid.startsWith(`${account}/`)).toBe(true);
      expect(r.boundJid).toBe(s.jid);
      expect(r.tls).toMatchObject({ encrypted: true, version: 'TLS1.3', nameMatch: { reference: domain } });
      // The certificate that was sent, identified by fingerprint, and how the handshake was signed.
      expect(r.tls?.clientCertificate).toBeDefined();
      expect(r.tls?.clientCertificate?.sha256).toBe(id.cert.fingerprint256);
      expect(r.tls?.clientCertificate?.subject).toContain(`CN=${name}`);
      expect(r.tls?.clientCertificate?.subjectAltName).toContain(`email:${account}`);
      expect(r.tls?.clientCertificate?.signAlgorithm).toMatch(signAlgorithm);
      // The key was used only through the hook: exactly one CertificateVerify signature.
      expect(id.log.calls).toHaveLength(1);
      expect(id.log.calls[0]?.algo).toMatch(signAlgorithm);
      expect(s.tls.info.clientCertSent).toBe(true);
      // No password anywhere in a certificate login.
      expect(r.sasl?.mechanism).not.toMatch(/SCRAM|PLAIN/);
    } finally {
      await s.stream.close();
    }
  });

  it('[UCR-A4][UCR-A2] a certificate whose xmppAddr does not name the account (carol with alice’s) fails at stage sasl', async () => {
    const domain = info.servers[kind].domain;
    const id = identity('alice');
    const f = await failure(establishSession({ account: `carol@${domain}`, auth: { kind: 'certificate', identity: id.identity }, trustAnchorsPem: ca, policy: policy() }));
    expect(f.stage).toBe('sasl');
    expect(f.message).toMatch(/authentication failed/);
    expect(f.report.outcome).toBe('failed');
    expect(f.report.sasl?.mechanism).toBe('EXTERNAL');
    expect(f.report.boundJid).toBeUndefined();
    // TLS itself was fine and the certificate was sent: the refusal is the server's SASL decision.
    expect(f.report.tls?.clientCertificate?.sha256).toBe(id.cert.fingerprint256);
  });
});

describe('SASL EXTERNAL: what the servers offer', () => {
  it('[UCR-A4] Prosody offers EXTERNAL only to a client that presented a certificate', async () => {
    const alice = info.accounts.prosody.find((a) => a.username === 'alice');
    if (!alice) throw new Error('no alice on prosody');
    const withPassword = await establishSession({ account: alice.jid, auth: { kind: 'password', password: alice.password }, trustAnchorsPem: ca, policy: policy() });
    await withPassword.stream.close();
    expect(withPassword.report.sasl?.offered).not.toContain('EXTERNAL');
    expect(withPassword.report.tls?.clientCertificate).toBeUndefined();

    const withCert = await establishSession({ account: alice.jid, auth: { kind: 'certificate', identity: identity('alice').identity }, trustAnchorsPem: ca, policy: policy() });
    await withCert.stream.close();
    expect(withCert.report.sasl?.offered).toContain('EXTERNAL');
  });

  it('[UCR-A4] a policy that does not allow EXTERNAL refuses certificate login before any authentication attempt', async () => {
    const f = await failure(
      establishSession({
        account: `alice@${info.servers.ejabberd.domain}`,
        auth: { kind: 'certificate', identity: identity('alice').identity },
        trustAnchorsPem: ca,
        policy: policy({ mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-1'] }),
      }),
    );
    expect(f.stage).toBe('sasl');
    expect(f.message).toMatch(/no allowed SASL mechanism for certificate \(EXTERNAL\)/);
    expect(f.report.sasl).toBeUndefined();
  });
});
