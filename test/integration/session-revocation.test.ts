// Revocation of the server's certificate [UCR-A5] at session level: a HAND-WRITTEN FAKE server
// (test/support/fakes) presents certificates from a throwaway PKI whose AIA/CDP point at a real
// `openssl ocsp` responder and a CRL on 127.0.0.1 — the test bed's servers have no revoked
// certificates to show. The fake offers no SASL mechanism, so a session that passes the
// revocation check stops at stage 'sasl'.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevocationMode } from '../../electron/main/tls/revocation';
import { freePort } from '../../electron/main/tls/testing/peers';
import { makeRevocationPki, type RevocationPki } from '../../electron/main/tls/testing/revocation-pki';
import { startFileServer, startOcspResponder, type FileServer, type OcspResponder } from '../../electron/main/tls/testing/revocation-servers';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { SessionFailure } from '../../electron/main/xmpp/session/failure';
import { DEFAULT_SESSION_POLICY } from '../../electron/main/xmpp/session/policy';
import { startFakeXmppServer, type FakeServer } from '../support/fakes/xmpp-fake';
import { startDns, type TestDnsServer } from '../support/testbed/dns.js';
import { testAddress } from '../support/testbed/net.js';

const HOST = testAddress(7);
let pki: RevocationPki;
let ocsp: OcspResponder;
let crl: FileServer;
let fake: FakeServer;
let dns: TestDnsServer;

async function connect(certName: string, mode: RevocationMode): Promise<SessionFailure> {
  fake.behaviour = { advertiseStarttls: true, onStarttls: 'proceed', tls: { key: readFileSync(pki.file(`${certName}.key`), 'utf8'), cert: readFileSync(pki.file(`${certName}.crt`), 'utf8') } };
  const err = await establishSession({
    account: 'alice@example.test',
    auth: { kind: 'password', password: 'pw' },
    trustAnchorsPem: pki.rootPem,
    policy: { ...DEFAULT_SESSION_POLICY, dnsServers: [dns.address], stepTimeoutMs: 5000, revocation: mode },
  }).catch((e: unknown) => e);
  if (!(err instanceof SessionFailure)) throw new Error(`expected SessionFailure, got ${String(err)}`);
  return err;
}

beforeAll(async () => {
  const ports = new Set<number>();
  while (ports.size < 5) ports.add(await freePort());
  const [ocspRoot, ocspInt, crlPort, dead, hang] = [...ports] as [number, number, number, number, number];
  pki = makeRevocationPki({ ocspRoot, ocspInt, crl: crlPort, dead, hang });
  ocsp = await startOcspResponder({
    port: ocspRoot, cwd: pki.file('root'), index: 'index.txt', caCert: '../root.crt',
    signerCert: '../root-ocsp.crt', signerKey: '../root-ocsp.key', validity: ['-nmin', '10'],
  });
  crl = await startFileServer(crlPort);
  crl.set('/root.crl', pki.crl('root'));
  fake = await startFakeXmppServer(HOST, 'example.test', { advertiseStarttls: true, onStarttls: 'proceed', tls: { key: '', cert: '' } });
  dns = await startDns({ zone: { 'example.test': { A: [HOST] } } });
});

afterAll(async () => {
  await fake?.close();
  await dns?.close();
  await ocsp?.stop();
  await crl?.stop();
  pki?.cleanup();
});

describe('server certificate revocation (hand-written fake server, real openssl OCSP responder)', () => {
  it('[UCR-A5] a revoked server certificate ends the session before authentication, and the report names the source', async () => {
    const f = await connect('revoked', 'soft-fail');
    expect(f.stage).toBe('revocation');
    expect(f.report.tls?.revocation).toMatchObject({ status: 'revoked', source: expect.stringMatching(/^OCSP http:\/\/127\.0\.0\.1:\d+/) });
    const c = fake.connections[fake.connections.length - 1];
    await c?.closed;
    expect(c?.secure ?? '').not.toContain('<auth');
  });

  it('[UCR-A5] a good certificate is checked over OCSP and the session goes on', async () => {
    const f = await connect('good', 'hard-fail');
    expect(f.stage).toBe('sasl');
    expect(f.report.tls?.revocation).toMatchObject({ status: 'good', source: expect.stringMatching(/^OCSP /) });
  });

  it('[UCR-A5] with the OCSP responder down, the CRL answers', async () => {
    const f = await connect('ocspdown-revoked', 'soft-fail');
    expect(f.stage).toBe('revocation');
    expect(f.report.tls?.revocation).toMatchObject({ status: 'revoked', source: expect.stringMatching(/^CRL /) });
  });

  it('[UCR-A5] no source at all: hard-fail terminates, soft-fail goes on with a note, off does not check', async () => {
    const hard = await connect('nourls', 'hard-fail');
    expect(hard.stage).toBe('revocation');
    expect(hard.report.tls?.revocation?.status).toBe('unknown');
    const soft = await connect('nourls', 'soft-fail');
    expect(soft.stage).toBe('sasl');
    expect(soft.report.notes.join(' ')).toMatch(/revocation status unknown/);
    const off = await connect('revoked', 'off');
    expect(off.stage).toBe('sasl');
    expect(off.report.tls?.revocation?.status).toBe('not-checked');
  });
});
