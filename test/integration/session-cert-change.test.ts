// Certificate-change warning [R7590-HF4], against a HAND-WRITTEN FAKE server (test/support/fakes)
// whose certificate can be swapped between connects — a real server would need a restart with
// new keys for each case. Both test CAs are configured anchors, so every chain validates and
// only the remembered key and CA tell the cases apart. The fake offers no SASL mechanism, so
// a session that passes the certificate step stops at stage 'sasl' — after the decision.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeTestPki, type TestPki } from '../../electron/main/tls/testing/pki';
import {
  createFileCertificateMemory,
  type CertificateChange,
  type CertificateDecision,
} from '../../electron/main/xmpp/session/certificate-memory';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { SessionFailure } from '../../electron/main/xmpp/session/failure';
import { DEFAULT_SESSION_POLICY } from '../../electron/main/xmpp/session/policy';
import { startFakeXmppServer, type FakeServer } from '../support/fakes/xmpp-fake';
import { startDns, type TestDnsServer } from '../support/testbed/dns.js';
import { testAddress } from '../support/testbed/net.js';

const HOST = testAddress(4);
let pki: TestPki;
let fake: FakeServer;
let dns: TestDnsServer;
let dir: string;

function serve(name: string): void {
  fake.behaviour = { advertiseStarttls: true, onStarttls: 'proceed', tls: { key: pki.keyPem(name), cert: pki.certPem(name) } };
}

async function connect(memoryFile: string, decide?: (c: CertificateChange) => Promise<CertificateDecision>): Promise<SessionFailure> {
  const err = await establishSession({
    account: 'alice@example.test',
    auth: { kind: 'password', password: 'pw' },
    trustAnchorsPem: pki.caPem + pki.otherCaPem,
    policy: { ...DEFAULT_SESSION_POLICY, dnsServers: [dns.address], stepTimeoutMs: 5000 },
    certificateMemory: createFileCertificateMemory(memoryFile),
    ...(decide ? { onCertificateChange: decide } : {}),
  }).catch((e: unknown) => e);
  if (!(err instanceof SessionFailure)) throw new Error(`expected SessionFailure, got ${String(err)}`);
  return err;
}

beforeAll(async () => {
  pki = makeTestPki();
  dir = mkdtempSync(path.join(os.tmpdir(), 'bastion-certmem-'));
  fake = await startFakeXmppServer(HOST, 'example.test', { advertiseStarttls: true, onStarttls: 'proceed', tls: { key: '', cert: '' } });
  dns = await startDns({ zone: { 'example.test': { A: [HOST] } } });
});

afterAll(async () => {
  await fake?.close();
  await dns?.close();
  pki?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('certificate change (hand-written fake server)', () => {
  it('[R7590-HF4] first use is remembered; the same key again is quiet', async () => {
    const file = path.join(dir, 'first.json');
    serve('server');
    const first = await connect(file);
    expect(first.stage).toBe('sasl');
    expect(first.report.certificateChange).toEqual({ kind: 'first-use' });
    const again = await connect(file);
    expect(again.report.certificateChange).toMatchObject({ kind: 'same-key' });
  });

  it('[R7590-HF4] a new key from the same CA is a routine renewal: a note, no question', async () => {
    const file = path.join(dir, 'renew.json');
    serve('server');
    await connect(file);
    serve('server-ec');
    const decide = vi.fn<(c: CertificateChange) => Promise<CertificateDecision>>();
    const f = await connect(file, decide);
    expect(f.stage).toBe('sasl');
    expect(f.report.certificateChange).toMatchObject({ kind: 'renewed-same-ca' });
    expect(f.report.notes.join(' ')).toMatch(/routine renewal/);
    expect(decide).not.toHaveBeenCalled();
  });

  it('[R7590-HF4] a key from another CA waits for the user; "reject" ends the session before any credential is sent', async () => {
    const file = path.join(dir, 'reject.json');
    serve('server');
    await connect(file);
    serve('rogue');
    const decide = vi.fn((_c: CertificateChange) => Promise.resolve<CertificateDecision>('reject'));
    const f = await connect(file, decide);
    expect(decide).toHaveBeenCalledOnce();
    const change = decide.mock.calls[0]?.[0];
    expect(change?.previous.issuer).not.toBe(change?.presented.issuer);
    expect(f.stage).toBe('certificate-change');
    expect(f.report.certificateChange).toMatchObject({ kind: 'changed', decision: 'reject' });
    const c = fake.connections[fake.connections.length - 1];
    await c?.closed;
    expect(c?.secure ?? '').not.toContain('<auth');
    // Without a handler (no UI to ask), a change is rejected too.
    expect((await connect(file)).stage).toBe('certificate-change');
  });

  it('[R7590-HF4] "accept once" goes on without remembering; "accept always" remembers the new key', async () => {
    const file = path.join(dir, 'accept.json');
    serve('server');
    await connect(file);
    serve('rogue');
    const once = await connect(file, () => Promise.resolve('accept-once'));
    expect(once.stage).toBe('sasl');
    expect(once.report.certificateChange).toMatchObject({ kind: 'changed', decision: 'accept-once' });
    expect((await connect(file, () => Promise.resolve('accept-once'))).report.certificateChange?.kind).toBe('changed');
    await connect(file, () => Promise.resolve('accept-always'));
    expect((await connect(file)).report.certificateChange?.kind).toBe('same-key');
  });

  it('an unreadable memory file is kept aside, not lost, and the key is remembered anew', async () => {
    const file = path.join(dir, 'corrupt.json');
    writeFileSync(file, '{ not json');
    serve('server');
    const f = await connect(file);
    expect(f.report.certificateChange?.kind).toBe('first-use');
    const aside = readdirSync(dir).filter((n) => n.startsWith('corrupt.json.unreadable-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(dir, aside[0] ?? ''), 'utf8')).toBe('{ not json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveProperty(['alice@example.test']);
  });
});
