// The TLS engine's client identities on the real Prosody and ejabberd of the test bed, through
// SASL EXTERNAL (XEP-0178):
//   - [UCR-T6] PKCS#12 software certificates (the test bed's alice.p12 / bob.p12, OpenSSL 3's
//     default AES-256 PBES2 encryption): the key is decrypted by GnuTLS and never becomes a JS
//     value; GnuTLS signs the CertificateVerify itself;
//   - an asynchronous signer that answers after 300 ms (what a CAC does): the login succeeds and
//     the main event loop is never blocked meanwhile;
//   - TlsPolicy.maxVersion '1.2' for an RSA signer without RSA-PSS (a card without
//     CKM_RSA_PKCS_PSS): PKCS#1 v1.5 CertificateVerify under TLS 1.2.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../../electron/main/xmpp/session/policy';
import { loadPkcs12, type ExternalSignerIdentity, type SoftwareIdentity } from '../../electron/main/tls/engine';
import { softIdentityFromPem } from '../support/soft-identity';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind, TestbedInfo } from '../support/testbed/info.js';

const KINDS: readonly ServerKind[] = ['prosody', 'ejabberd'];

let info: TestbedInfo;
let ca: string;

function policy(extra: Partial<SessionPolicy> = {}): SessionPolicy {
  return { ...DEFAULT_SESSION_POLICY, dnsServers: [`${info.dns.host}:${info.dns.port}`], stepTimeoutMs: 10_000, ...extra };
}

async function p12Identity(name: string): Promise<{ identity: SoftwareIdentity; cert: X509Certificate }> {
  const c = info.pki.clients[name];
  if (!c) throw new Error(`no client certificate ${name} in the test PKI`);
  const der = await readFile(c.p12);
  const r = loadPkcs12(der, c.p12Password);
  der.fill(0);
  if (!r.ok) throw new Error(`${name}.p12: ${r.error.code} ${r.error.message}`);
  return { identity: r.value, cert: new X509Certificate(await readFile(c.cert)) };
}

beforeAll(async () => {
  info = getTestbed();
  ca = await readFile(info.pki.caCert, 'utf8');
});

describe.each(KINDS)('client identities on %s', (kind) => {
  it.each([
    { name: 'alice', keyType: 'rsa', signAlgorithm: /^RSA-PSS-RSAE-SHA(256|384|512)$/ },
    { name: 'bob', keyType: 'ec', signAlgorithm: /^ECDSA-SECP256R1-SHA256$/ },
  ])('[UCR-T6][UCR-A4] $name logs in with a PKCS#12 software certificate (EXTERNAL, key held by the engine)', async ({ name, keyType, signAlgorithm }) => {
    const domain = info.servers[kind].domain;
    const account = `${name}@${domain}`;
    const { identity, cert } = await p12Identity(name);
    expect(identity.keyType).toBe(keyType);
    try {
      const s = await establishSession({ account, auth: { kind: 'certificate', identity }, trustAnchorsPem: ca, policy: policy() });
      try {
        const r = s.report;
        expect(r.outcome).toBe('established');
        expect(r.sasl?.mechanism).toBe('EXTERNAL');
        expect(s.jid.startsWith(`${account}/`)).toBe(true);
        expect(r.tls).toMatchObject({ encrypted: true, version: 'TLS1.3' });
        expect(r.tls?.clientCertificate?.sha256).toBe(cert.fingerprint256);
        expect(r.tls?.clientCertificate?.signAlgorithm).toMatch(signAlgorithm);
        expect(s.tls.info.clientCertSent).toBe(true);
      } finally {
        await s.stream.close();
      }
    } finally {
      identity.dispose();
    }
  });

  it('[UCR-A4] an asynchronous signer that takes 300 ms: EXTERNAL login succeeds, the event loop is never blocked', async () => {
    const domain = info.servers[kind].domain;
    const c = info.pki.clients.alice;
    if (!c) throw new Error('no alice');
    const soft = softIdentityFromPem(c.cert, c.key);
    const external = soft.identity as ExternalSignerIdentity;
    const syncSign = external.sign.bind(external);
    const identity: ExternalSignerIdentity = {
      ...external,
      sign: (algo, data) => new Promise((resolve, reject) => setTimeout(() => Promise.resolve(syncSign(algo, data)).then(resolve, reject), 300)),
    };
    const hist = monitorEventLoopDelay({ resolution: 1 });
    hist.enable();
    await new Promise((r) => setTimeout(r, 25));
    const t0 = performance.now();
    const s = await establishSession({ account: `alice@${domain}`, auth: { kind: 'certificate', identity }, trustAnchorsPem: ca, policy: policy() });
    const ms = performance.now() - t0;
    hist.disable();
    try {
      expect(s.report.sasl?.mechanism).toBe('EXTERNAL');
      expect(soft.log.calls).toHaveLength(1);
      expect(ms).toBeGreaterThanOrEqual(300);
      console.log(`[tls] ${kind}: EXTERNAL login with a 300 ms async signer in ${ms.toFixed(0)} ms, event-loop delay max ${(hist.max / 1e6).toFixed(2)} ms`);
      // Blocking on the signer would stall >= 300 ms; the margin absorbs CI scheduling noise.
      expect(hist.max / 1e6).toBeLessThan(150);
    } finally {
      await s.stream.close();
    }
  });

  it('[UCR-A4] an RSA signer without RSA-PSS under maxVersion 1.2: PKCS#1 v1.5 over TLS 1.2, EXTERNAL login', async () => {
    const domain = info.servers[kind].domain;
    const c = info.pki.clients.alice;
    if (!c) throw new Error('no alice');
    const soft = softIdentityFromPem(c.cert, c.key, ['RSA-PKCS1-SHA256', 'RSA-PKCS1-SHA384', 'RSA-PKCS1-SHA512']);
    const s = await establishSession({
      account: `alice@${domain}`,
      auth: { kind: 'certificate', identity: soft.identity },
      trustAnchorsPem: ca,
      policy: policy({ tls: { minVersion: '1.2', maxVersion: '1.2' } }),
    });
    try {
      expect(s.report.sasl?.mechanism).toBe('EXTERNAL');
      expect(s.report.tls?.version).toBe('TLS1.2');
      expect(s.report.tls?.clientCertificate?.signAlgorithm).toMatch(/^RSA-PKCS1-SHA(256|384|512)$/);
      expect(soft.log.calls.map((x) => x.algo)).toEqual([expect.stringMatching(/^RSA-PKCS1-/)]);
    } finally {
      await s.stream.close();
    }
  });
});
